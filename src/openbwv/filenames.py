"""One rule for every name that may become a file name: tus filenames, Axis container and
object names, and (from the packages on) every exporter that writes a name to disk.

A name is refused, not repaired: a sender told why can send a sound name, while a repaired one
would silently differ from what the sender holds."""

from __future__ import annotations

import re
import unicodedata

FILENAME_BYTES = 255  # what POSIX file systems take in one path segment
# Percent-encoded dots, slashes, backslashes and NULs: a name that decodes into a traversal.
ENCODED_TRAVERSAL = re.compile(r"%(2e|2f|5c|00)", re.IGNORECASE)


class UnsafeName(ValueError):
    """A name that could leave the folder it is written to, or hide what it is."""


def file_name(name: str, *, what: str = "filename", limit: int = FILENAME_BYTES) -> str:
    """`name` if it is one plain file name: no directories, no '..', nothing encoded or hidden."""
    if not name or len(name.encode()) > limit:
        raise UnsafeName(f"{what} must be 1–{limit} bytes")
    if name in {".", ".."} or "/" in name or "\\" in name:
        raise UnsafeName(f"{what} must be a plain file name, without directories or '..'")
    if ENCODED_TRAVERSAL.search(name):
        raise UnsafeName(f"{what} may not contain percent-encoded dots, slashes or NULs")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UnsafeName(f"{what} contains control characters")
    return name


def path_name(name: str, *, what: str = "name", limit: int = 1024) -> str:
    """`name` if it is '/'-separated plain file names (a Swift object name): never absolute,
    never '..', each segment the same rule as a file name."""
    if not name or len(name.encode()) > limit:
        raise UnsafeName(f"{what} must be 1–{limit} bytes")
    for segment in name.split("/"):
        file_name(segment, what=f"each part of {what}", limit=limit)
    return name
