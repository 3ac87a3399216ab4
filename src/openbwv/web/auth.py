"""Page authentication: the signed-in person, or a redirect to the sign-in page.

The same rules as the API (`access.deps.require_principal`), so forms posted by a browser must
carry the session's CSRF token; a missing session sends the browser to /sign-in instead of 401.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from openbwv.access.deps import require_principal
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def page_principal(request: Request) -> Principal:
    try:
        return await require_principal(request)
    except Problem as exc:
        if exc.status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target) from exc
        raise


Viewer = Annotated[Principal, Depends(page_principal)]


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _to_sign_in(request: Request, exc: SignInRequired) -> Response:
        location = f"/sign-in?next={quote(exc.next_path, safe='/')}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)
