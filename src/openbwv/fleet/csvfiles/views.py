"""Fleet CSV import in the browser (/fleet/import): how forces hand over lists of officers and
cameras. The same service as `POST /api/v1/fleet/import/{kind}` and `bwv fleet import-…`: each row
is checked, bad rows are reported (row, column, message) and not applied, and a dry run changes
nothing. Needs `fleet.manage`; every run is an audit event (`fleet.import.*`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openbwv.access.policy.queries import require
from openbwv.access.policy.roles import FLEET_MANAGE
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.fleet.csvfiles import format as csv_format
from openbwv.fleet.csvfiles import service
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
KINDS = {"officers": csv_format.OFFICER_COLUMNS, "cameras": csv_format.CAMERA_COLUMNS}
READ_CHUNK = 1024 * 1024
MAX_MB = csv_format.MAX_FILE_BYTES // (1024 * 1024)


def _form(
    request: Request,
    *,
    kind: str = "officers",
    report: service.ImportReport | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "title": "Import officers or cameras",
        "kinds": KINDS,
        "kind": kind,
        "report": report,
        "error": error,
        "max_mb": MAX_MB,
    }
    return render(request, "fleet/import.html", context, status_code=status)


@router.get("/fleet/import")
def import_form(request: Request, principal: Viewer) -> Response:
    require(principal, FLEET_MANAGE)
    return _form(request)


async def _read(upload: UploadFile) -> bytes | None:
    """The file's bytes, or None when it is larger than the importer takes."""
    data = bytearray()
    while chunk := await upload.read(READ_CHUNK):
        data += chunk
        if len(data) > csv_format.MAX_FILE_BYTES:
            return None
    return bytes(data)


def _import(
    kind: str, principal: Principal, data: bytes, dry_run: bool, strict: bool
) -> service.ImportReport:
    importer = service.IMPORTERS[kind]
    with unit_of_work() as session:
        return importer(session, principal, data, dry_run=dry_run, strict=strict)


@router.post("/fleet/import")
async def import_file(
    request: Request,
    principal: Viewer,
    file: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form(max_length=16)] = "officers",
    dry_run: Annotated[str, Form(max_length=8)] = "",
    strict: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    require(principal, FLEET_MANAGE)
    if kind not in KINDS:
        return _form(request, error="Choose officers or cameras.", status=422)
    if file is None or not file.filename:
        return _form(request, kind=kind, error="Choose a CSV file to import.", status=422)
    data = await _read(file)
    if data is None:
        error = f"The file is larger than {MAX_MB} MB."
        return _form(request, kind=kind, error=error, status=413)
    report = await run_in_threadpool(_import, kind, principal, data, bool(dry_run), bool(strict))
    return _form(request, kind=kind, report=report)
