"""Fleet endpoints for CSV files (under /api/v1/fleet): importing and exporting officers and
cameras. CSV files of officers carry personal data: exporting them needs `fleet.read` and is
recorded in the audit log.
"""

from __future__ import annotations

import dataclasses

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.fleet.csvfiles import format as csv_format
from openbwv.fleet.csvfiles import service
from openbwv.fleet.http import Manager, Reader, fleet_session, router
from openbwv.fleet.schemas import ImportOut
from openbwv.timeutil import utcnow

COLUMNS = {"officers": csv_format.OFFICER_COLUMNS, "cameras": csv_format.CAMERA_COLUMNS}


async def _read_csv_body(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "application/csv", "text/plain", "application/octet-stream"):
        raise Problem(415, "Unsupported media type", "send the file as the body, as text/csv")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > csv_format.MAX_FILE_BYTES:
            raise Problem(413, "File too large", f"at most {csv_format.MAX_FILE_BYTES} bytes")
    return bytes(body)


def _run_import(
    kind: str, principal: Principal, data: bytes, dry_run: bool, strict: bool
) -> ImportOut:
    importer = service.IMPORTERS[kind]
    with fleet_session() as session:
        report = importer(session, principal, data, dry_run=dry_run, strict=strict)
    return ImportOut(ok=report.ok, **dataclasses.asdict(report))


@router.post("/import/{kind}", response_model=ImportOut, summary="Import officers or cameras")
async def import_csv(
    kind: str,
    request: Request,
    principal: Manager,
    dry_run: bool = Query(False, description="check every row, change nothing"),
    strict: bool = Query(False, description="import nothing if any row is bad"),
) -> ImportOut:
    """Rows with errors are reported (row, column, message) and not imported; good rows are,
    unless `strict`. Re-importing the same file changes nothing."""
    if kind not in service.IMPORTERS:
        raise Problem(404, "Not found", "import officers or cameras")
    data = await _read_csv_body(request)
    return await run_in_threadpool(_run_import, kind, principal, data, dry_run, strict)


@router.get("/export/{name}", summary="Export officers.csv or cameras.csv")
def export_csv(name: str, principal: Reader) -> Response:
    if name not in ("officers.csv", "cameras.csv"):
        raise Problem(404, "Not found", "export officers.csv or cameras.csv")
    kind = name.removesuffix(".csv")
    with fleet_session() as session:
        rows = service.export_rows(session, principal, kind)
    text = csv_format.write_csv(COLUMNS[kind], rows)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{stamp}.csv"'},
    )
