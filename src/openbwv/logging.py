"""Structured logging with structlog: key=value for people, JSON lines for log shippers."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import structlog

QUIET_LIBRARIES = ("alembic",)  # their INFO lines say nothing a person starting a command needs


_streams: dict[Path, TextIO] = {}


def _log_stream(file: Path) -> TextIO:
    """One line-buffered handle per file for the life of the process (configured again, reused)."""
    if file not in _streams:
        file.parent.mkdir(parents=True, exist_ok=True)
        _streams[file] = file.open("a", buffering=1, encoding="utf-8")
    return _streams[file]


def configure_logging(level: str = "INFO", json: bool = False, file: Path | None = None) -> None:
    """Logs to standard error, or appended to `file` (then nothing is written to the console)."""
    stream = sys.stderr if file is None else _log_stream(file)
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(
        level=level.upper(),
        stream=stream,
        format="%(asctime)s %(levelname)s %(name)s %(message)s"
        if file
        else "%(levelname)s %(name)s %(message)s",
        force=file is not None,
    )
    if logging.getLevelName(level.upper()) > logging.DEBUG:
        for name in QUIET_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
