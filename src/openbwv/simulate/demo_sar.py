"""The demo's subject access request, so the information rights pages show something on
`make run`: a member of the public filmed at the demo case's incident asks for their footage,
received a week ago; the demo information rights officer has checked their identity and added
the incident's clips (each held while the request is open)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from openbwv.access.admin import queries as admin_queries
from openbwv.access.policy.queries import principal_for_user
from openbwv.config import Settings
from openbwv.db.session import unit_of_work
from openbwv.subject_access import queries as sar_queries
from openbwv.subject_access import service as sar_service

HANDLER = "rights.demo"


def sar_demo(incident_items: list[uuid.UUID], *, settings: Settings) -> list[str]:
    with unit_of_work(settings) as session:
        principal = principal_for_user(session, admin_queries.find_user(session, HANDLER))
        request = sar_service.open_request(
            session,
            principal,
            requester_name="Morgan Example (demo)",
            requester_contact="morgan@example.org",
            requester_description="Filmed at the demo incident; wearing a grey hoodie",
            received_on=sar_queries.today() - timedelta(days=7),
        )
        sar_service.check_identity(session, principal, request, "Passport seen (demo)")
        if incident_items:
            sar_service.add_items(
                session, principal, request, incident_items, found_by={"demo": "incident"}
            )
        due = sar_queries.clock_of(request, []).due
        reference = request.reference
    return [
        f"Subject access request {reference}, due {due:%d %b %Y}, with "
        f"{len(incident_items)} clips held: sign in as {HANDLER} and open /subject-access."
    ]
