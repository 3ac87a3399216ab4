"""A subject access request holds its footage: an item on an open request is not disposed of by
the retention sweep however long past its retention (deleting it would be an offence, DPA 2018
s.173); closing the request, or taking the item off it, releases the hold and the rules apply
again. And the `bwv sar` commands, which share the same service."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.audit.models import AuditEvent
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from openbwv.retention import queries as retention
from openbwv.retention import service as retention_service
from openbwv.retention.cli import OPERATOR as RETENTION_OPERATOR
from openbwv.subject_access import queries, service
from openbwv.subject_access.cli import OPERATOR
from tests.retention.helpers import now, old_item, status_of, sweep
from tests.support import factories
from tests.support.stack import Stack


def _open(reference_day_offset: int = 2) -> str:
    with unit_of_work() as session:
        made = service.open_request(
            session,
            OPERATOR,
            requester_name="Sam Requester",
            requester_contact="1 High Street",
            requester_description=None,
            received_on=queries.today() - timedelta(days=reference_day_offset),
        )
        return made.reference


def test_an_item_under_a_request_is_not_disposed_of_until_the_request_closes(
    stack: Stack,
) -> None:
    officer = factories.officer()
    kept, taken_off, unrelated = (old_item(officer, 40, stored=False) for _ in range(3))
    reference = _open()
    with unit_of_work() as session:
        request = queries.get(session, OPERATOR, reference)
        service.add_items(session, OPERATOR, request, [kept, taken_off])
    start = now()
    sweep(start, kept, taken_off, unrelated)
    sweep(start + timedelta(days=8), kept, taken_off, unrelated)  # past the grace period
    assert [status_of(i) for i in (kept, taken_off, unrelated)] == ["ready", "ready", "disposed"]
    with unit_of_work() as session:
        assert retention.queue_entry(session, kept) is None
        request = queries.get(session, OPERATOR, reference)
        service.remove_item(session, OPERATOR, request, taken_off, "Another person's footage")
    sweep(start + timedelta(days=9), kept, taken_off)
    sweep(start + timedelta(days=17), kept, taken_off)
    assert [status_of(i) for i in (kept, taken_off)] == ["ready", "disposed"]

    with unit_of_work() as session:
        request = queries.get(session, OPERATOR, reference)
        (item,) = queries.items_of(session, request.id)
        assert item.hold_id is not None
        # A retention officer may release any hold; closing the request still goes through.
        retention_service.release_hold(session, RETENTION_OPERATOR, item.hold_id, "Released early")
    with unit_of_work() as session:
        request = queries.get(session, OPERATOR, reference)
        service.close(session, OPERATOR, request, "released_in_full", None)
    sweep(start + timedelta(days=18), kept)
    sweep(start + timedelta(days=26), kept)
    assert status_of(kept) == "disposed"  # the request's hold is gone with it
    with unit_of_work() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.target_id == str(request.id))
                .order_by(AuditEvent.id)
            )
        )
    assert actions[:2] == ["sar.open", "sar.item.add"] and actions[-1] == "sar.close"
    assert "sar.item.remove" in actions


def test_the_sar_commands_open_list_show_add_and_close(stack: Stack) -> None:
    runner = CliRunner()
    item = factories.item(factories.officer())
    opened = runner.invoke(
        cli(), ["sar", "open", "--name", "Jo Bloggs", "--contact", "jo@example.org"]
    )
    assert opened.exit_code == 0, opened.output
    found = re.match(
        r"(SAR-\d{4}-\d{4}): due (\d{4}-\d{2}-\d{2}) \((\d+) days left\)", opened.output
    )
    assert found is not None, opened.output
    reference = found.group(1)
    added = runner.invoke(cli(), ["sar", "add", reference, str(item)])
    assert added.exit_code == 0 and "1 added and held" in added.output, added.output
    listed = runner.invoke(cli(), ["sar", "list"])
    assert listed.exit_code == 0 and reference in listed.output
    shown = runner.invoke(cli(), ["sar", "show", reference])
    assert shown.exit_code == 0 and f'"evidence_id": "{item}"' in shown.output
    bad = runner.invoke(cli(), ["sar", "close", reference, "--outcome", "lost"])
    assert bad.exit_code == 2 and "an outcome is one of" in bad.output
    assert "Traceback" not in bad.output
    closed = runner.invoke(cli(), ["sar", "close", reference, "--outcome", "released_in_full"])
    assert closed.exit_code == 0 and "within its deadline" in closed.output, closed.output
    assert reference in runner.invoke(cli(), ["sar", "list", "--closed"]).output
    missing = runner.invoke(cli(), ["sar", "show", "SAR-1900-0001"])
    assert missing.exit_code == 1 and "no subject access request" in missing.output
