"""`POST /api/v1/cases/{case_id}/packages`: the case's evidence package, streamed as it is
built (application/zip). Needs `evidence.export`; every item must be one the caller may
download (docs/packages.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from fastapi.responses import StreamingResponse

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.sharing.packages import service
from openbwv.sharing.packages.queries import safe_name
from openbwv.sharing.packages.schemas import PackageIn

router = APIRouter(tags=["packages"])
Exporter = Annotated[Principal, Depends(requires_any(roles.EXPORT))]


@router.post(
    "/api/v1/cases/{case_id}/packages",
    summary="Build the case's evidence package (a ZIP, streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def create_package(
    case_id: str,
    client: Client,
    principal: Exporter,
    body: Annotated[PackageIn | None, Body()] = None,
) -> StreamingResponse:
    wanted = body or PackageIn()
    stream = service.stream_package(
        principal,
        service.PackageRequest(
            case_id=case_id,
            item_ids=wanted.items,
            copies=wanted.copies,
            recipient=wanted.recipient,
            known_checkpoint=wanted.known_checkpoint,
            include_notes=wanted.include_notes,
            source_ip=client.ip,
        ),
    )
    return package_response(stream)


def package_response(
    stream: service.PackageStream, body: Iterable[bytes] | None = None
) -> StreamingResponse:
    """The package as a ZIP download (the API's, a share's, a link's, the sharing page's);
    `body`: the stream's bytes as the caller wraps them (default: the stream itself)."""
    summary = stream.summary
    name = f"package-{safe_name(summary.crime_reference, 'case')}-{summary.package_id[:8]}.zip"
    return StreamingResponse(
        iter(stream) if body is None else body,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Package-Id": summary.package_id,
            "X-Package-Items": str(summary.items),
            "X-Package-Withheld": str(len(summary.withheld)),
            "Cache-Control": "no-store",
        },
    )
