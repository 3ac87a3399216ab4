"""`bwv share …`, in process: the same service as the API, audited under the operator's name."""

from __future__ import annotations

import json
import uuid
from typing import Any

from typer.testing import CliRunner

from openbwv.cases.queries import case_by_id
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from tests.support import factories
from tests.support.stack import Stack


def _bwv(stack: Stack, *args: str) -> Any:
    return CliRunner().invoke(cli(), list(args), env=stack.env)


def test_share_create_list_extend_revoke_and_flag(stack: Stack) -> None:
    officer = stack.user("officer", borough="E09000033", team=f"C-{uuid.uuid4().hex[:6]}")
    lawyer = stack.user("external", kind="external")
    items = [factories.item(officer, stored=True) for _ in range(2)]
    case_id = factories.case(officer, [(officer, "oic")], items)
    with unit_of_work() as session:
        reference = case_by_id(session, case_id).crime_reference  # type: ignore[union-attr]
    org = f"CPS {uuid.uuid4().hex[:6]}"
    assert _bwv(stack, "share", "org-add", org, "--kind", "cps").exit_code == 0
    assert _bwv(stack, "share", "org-member", org, lawyer.username).exit_code == 0
    flagged = _bwv(stack, "share", "flag", str(items[0]), "--reason", "informant")
    assert flagged.exit_code == 0, flagged.output
    made = _bwv(
        stack,
        "share",
        "create",
        "--case",
        reference,
        "--org",
        org,
        "--reason",
        "Advice",
        "--download",
        "--days",
        "7",
    )
    assert made.exit_code == 0, made.output
    assert f"Shared 1 items of {reference} with {org}" in made.output
    assert f"Not shared: {items[0]} (flagged do not disclose)" in made.output
    link = _bwv(
        stack,
        "share",
        "create",
        "--case",
        reference,
        "--link",
        "Smith",
        "--reason",
        "Defence",
        "--passphrase",
        "--base-url",
        "https://bwv.example",
    )
    assert "https://bwv.example/s/" in link.output and "Passphrase (shown once" in link.output
    listed = json.loads(_bwv(stack, "share", "list", "--case", reference, "--json").output)
    assert {r["recipient"] for r in listed} == {org, "Link: Smith"}
    share_id = next(r["id"] for r in listed if r["recipient"] == org)
    assert _bwv(stack, "share", "extend", share_id, "--days", "30").exit_code == 0
    assert _bwv(stack, "share", "revoke", share_id, "--reason", "done").exit_code == 0
    again = _bwv(stack, "share", "revoke", share_id)
    assert again.exit_code == 1 and "already revoked" in again.output
    assert "Traceback" not in again.output
    after = json.loads(_bwv(stack, "share", "list", "--case", reference, "--json").output)
    assert {r["recipient"]: r["status"] for r in after}[org] == "revoked"
    unknown = _bwv(stack, "share", "create", "--case", "NOPE", "--org", org, "--reason", "x")
    assert unknown.exit_code == 1 and "no case with crime reference" in unknown.output
