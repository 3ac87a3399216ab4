"""Security headers on every response: a strict Content-Security-Policy (no inline scripts, no
other origins, except a map tile server the deployment names in BWV_MAP_TILE_URL, for images
only), no framing, no sniffing, and no referrer leaving the site."""

from __future__ import annotations

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp


def content_security_policy(tile_origin: str | None = None) -> str:
    """The policy; a tile server's origin (config.Settings.map_tile_origin) joins img-src and
    nothing else: tiles are <image> elements of the server-drawn SVG maps."""
    images = "img-src 'self' data: blob:" + (f" {tile_origin}" if tile_origin else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "media-src 'self' blob:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def headers(tile_origin: str | None = None) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(tile_origin),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, tile_origin: str | None = None) -> None:
        super().__init__(app)
        self.headers = headers(tile_origin)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/api/", "/auth/")) or "text/html" in response.headers.get(
            "content-type", ""
        ):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
