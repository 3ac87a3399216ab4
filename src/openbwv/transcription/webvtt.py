"""A transcript version as WebVTT captions for the player's <track> (cues of at most a dozen
words or seven seconds, cut at the words' own times)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_WORDS = 12
MAX_SECONDS = 7.0


def stamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _clean(text: str) -> str:
    # A cue may not hold "-->", and & < > are markup in WebVTT.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cues(segments: Sequence[dict[str, Any]]) -> list[tuple[float, float, str]]:
    made: list[tuple[float, float, str]] = []
    for segment in segments:
        group: list[dict[str, Any]] = []
        for word in segment.get("words", []):
            if group and (len(group) >= MAX_WORDS or word["end"] - group[0]["start"] > MAX_SECONDS):
                made.append(_cue(group))
                group = []
            group.append(word)
        if group:
            made.append(_cue(group))
    return made


def _cue(group: list[dict[str, Any]]) -> tuple[float, float, str]:
    return group[0]["start"], group[-1]["end"], " ".join(w["word"] for w in group)


def render(segments: Sequence[dict[str, Any]], note: str) -> str:
    lines = ["WEBVTT", "", f"NOTE {_clean(note)}", ""]
    for number, (start, end, text) in enumerate(cues(segments), 1):
        lines += [str(number), f"{stamp(start)} --> {stamp(end)}", _clean(text), ""]
    return "\n".join(lines)
