"""Releasing a request's footage: the sharing domain's evidence package of the request's own
case, holding the items not withheld, as `RELEASE_COPIES`; and the release recorded (package id,
items, how sent, and once streamed its SHA-256 and size). The items are linked to the case only
while the package is gathered, in the same transaction, so a request's footage never becomes
case material that retention keeps (docs/subject_access.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit.service import integrate
from openbwv.cases import service as cases
from openbwv.cases.queries import case_by_id
from openbwv.db.session import get_engine, unit_of_work
from openbwv.sharing.packages import service as packages
from openbwv.sharing.packages.contents import Copies
from openbwv.subject_access import queries
from openbwv.subject_access.errors import SarError
from openbwv.subject_access.models import SarRelease, SubjectAccessRequest
from openbwv.subject_access.service import event, require_open, step, words

# What a release puts in the package: each item's latest rendered redaction in place of the
# original, with its redaction log. An item never redacted is withheld ("no redacted copy"): a
# requester never receives footage nobody has checked for third parties.
RELEASE_COPIES: Copies = "redacted"


def _prepare_release(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    method: str,
    source_ip: str | None,
) -> tuple[Any, packages.PackageRequest, SarRelease]:
    """Link the releasable items to the request's case, gather the package, unlink them again
    (one transaction: a request's footage never becomes case material that retention keeps), and
    record the release."""
    acting = step(principal)
    require_open(request, "be released")
    how = words(method, "how the package is sent", 3, 200)
    released = [
        i.evidence_id for i in queries.items_of(session, request.id) if i.restriction != "withheld"
    ]
    if not released:
        raise SarError("no item of this request may be released (none, or all withheld)")
    case = case_by_id(session, request.case_id) if request.case_id else None
    if case is None:
        raise SarError(f"request {request.reference} has no case to package")
    for evidence_id in released:
        cases.link_item(session, acting, case, evidence_id, source_ip=source_ip)
    wanted = packages.PackageRequest(
        case_id=str(case.id),
        item_ids=released,
        copies=RELEASE_COPIES,
        recipient=request.requester_name,
        source_ip=source_ip,
    )
    plan = packages.prepare(session, acting, wanted)
    for evidence_id in released:
        cases.unlink_item(session, acting, case, evidence_id, source_ip=source_ip)
    release = SarRelease(
        request_id=request.id,
        package_id=plan.case["package_id"],
        copies=RELEASE_COPIES,
        items=[str(i.evidence_id) for i in plan.items],
        method=how,
        released_by=principal.name,
    )
    session.add(release)
    session.flush()
    details = {
        "package": release.package_id,
        "items": release.items,
        "method": how,
        "copies": RELEASE_COPIES,
    }
    event(session, principal, "sar.release", request, source_ip=source_ip, details=details)
    return plan, wanted, release


def release(
    principal: Principal, request_id: str, method: str, *, source_ip: str | None = None
) -> tuple[Iterator[bytes], str, str]:
    """The request's package (iterate for the ZIP bytes), its package id and file name. Gathered
    now in its own unit of work (errors raise before any byte); once every byte has gone, the
    release records the package's SHA-256 and size."""
    integrate(get_engine())  # every event so far anchored: the package's custody is current
    with unit_of_work() as session:
        request = queries.get(session, principal, request_id)
        plan, wanted, made = _prepare_release(session, principal, request, method, source_ip)
        release_id, reference = made.id, request.reference
    stream = packages.stream_plan(principal, wanted, plan)

    def body() -> Iterator[bytes]:
        yield from stream
        with unit_of_work() as session:
            done = session.get(SarRelease, release_id)
            if done is not None:
                done.sha256, done.size_bytes = stream.summary.sha256, stream.summary.size

    return body(), stream.summary.package_id, f"{reference}-{stream.summary.package_id[:8]}.zip"
