"""Errors raised by the media adapter."""

from __future__ import annotations


class MediaError(Exception):
    """A media file could not be read, decoded or written.

    The message says what went wrong in words a caller can show or log; the FFmpeg error, when
    there is one, is chained as ``__cause__``.
    """
