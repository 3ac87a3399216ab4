"""Jinja2 rendering for every page: autoescaped, with British English formats in Europe/London."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

LONDON = ZoneInfo("Europe/London")
_template_dirs: list[Path] = [Path(__file__).parent / "templates"]


def add_template_dir(path: Path) -> None:
    """Domains keep their page templates beside their views and register the folder here."""
    if path not in _template_dirs:
        _template_dirs.append(path)
        templates.env.loader = ChoiceLoader([FileSystemLoader(str(p)) for p in _template_dirs])


def london(value: datetime | None, fmt: str = "%d %b %Y %H:%M:%S") -> str:
    """A UTC instant as London wall-clock time (GMT/BST), e.g. '24 Nov 2026 08:15:03'."""
    if value is None:
        return "—"
    return value.astimezone(LONDON).strftime(fmt)


def london_zone(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(LONDON).strftime("%Z")


def file_size(value: int | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{value} bytes"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


templates = Jinja2Templates(directory=str(_template_dirs[0]))
templates.env.filters.update(
    london=london, london_zone=london_zone, file_size=file_size, duration=duration
)
templates.env.globals.update(app_name="openbwv")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page; the signed-in principal and the CSRF token are always available."""
    values = {
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status_code)
