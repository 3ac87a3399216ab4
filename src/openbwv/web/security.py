"""Security headers on every response: a strict Content-Security-Policy (no inline scripts, no
other origins, except a map tile server the deployment names in BWV_MAP_TILE_URL, for images
only), no framing, no sniffing, and no referrer leaving the site."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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


class SecurityHeaders:
    """Plain ASGI middleware: it adds the headers to the response's start and passes every body
    message through untouched. (Starlette's BaseHTTPMiddleware would wrap each response in a
    stream of its own, and a stream that fails mid-way — a share revoked during a download —
    would then end cleanly, so a chunked ZIP could look complete; here it breaks off.)"""

    def __init__(self, app: ASGIApp, tile_origin: str | None = None) -> None:
        self.app = app
        self.headers = headers(tile_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope.get("path", "").startswith(("/api/", "/auth/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    response_headers.setdefault(name, value)
                if private or "text/html" in response_headers.get("content-type", ""):
                    response_headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
