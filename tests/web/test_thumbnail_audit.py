"""List pages record their thumbnails as one audited read per page, not one event per picture
(issue 9, item 14); every picture is still authorised, and a URL that is not the page's own is
recorded per picture as before."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import select

from openbwv.audit.models import AuditEvent
from openbwv.db.session import unit_of_work
from tests.support import factories
from tests.support.stack import Stack
from tests.support.waiting import wait_until

PICTURE = re.compile(r'<img src="(/api/v1/evidence/[0-9a-f-]{36}/thumbnail\?[^"]+)"')


def _events(action: str, actor: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.actor_name.contains(actor)
                )
            )
        )


def test_a_list_page_records_its_thumbnails_once(stack: Stack, live_server: str) -> None:
    officer = stack.user("officer", borough="E09000029", team=factories.unique("Thumbs"))
    items = {str(factories.item(officer, stored=True)) for _ in range(3)}
    headers = {"Authorization": f"Bearer {stack.user_token(officer)}", "Accept": "text/html"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        page = client.get("/footage")
        assert page.status_code == 200
        urls = [url.replace("&amp;", "&") for url in PICTURE.findall(page.text)]
        assert len(urls) == 3
        for url in urls:
            picture = client.get(url)
            assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
        batches = _events("evidence.thumbnails", officer.username)
        assert len(batches) == 1
        assert set(batches[0].details["items"]) == items
        assert _events("evidence.thumbnail", officer.username) == []
        altered = urls[0][:-4] + "0000"
        assert client.get(altered).status_code == 200  # still allowed, so recorded this time
        assert len(_events("evidence.thumbnail", officer.username)) == 1
    stranger = stack.user("officer", borough="E09000001", team=factories.unique("Else"))
    other = {"Authorization": f"Bearer {stack.user_token(stranger)}"}
    with httpx.Client(base_url=live_server, headers=other, timeout=30) as client:
        assert client.get(urls[1]).status_code == 404  # the signature is not a pass: the policy
    assert uuid.UUID(urls[1].split("/")[4])  # (the URL names the item it is for)


def test_trails_show_views_first_and_fold_thumbnail_reads_per_sitting(
    stack: Stack, live_server: str
) -> None:
    officer = stack.user("officer", borough="E09000029", team=factories.unique("Fold"))
    auditor = stack.user("auditor")
    item_id = factories.item(officer, stored=True)
    headers = {"Authorization": f"Bearer {stack.user_token(officer)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        assert client.get(f"/api/v1/evidence/{item_id}").status_code == 200
        for _ in range(4):  # unbatched reads: one event each
            assert client.get(f"/api/v1/evidence/{item_id}/thumbnail").status_code == 200
        assert client.get(f"/api/v1/evidence/{item_id}/original").status_code == 200
        panel = client.get(f"/evidence/{item_id}", headers={"Accept": "text/html"}).text
        trail = panel[panel.index('id="trail"') :]
        trail = trail[trail.index("<tbody>") : trail.index("</tbody>")]
        assert trail.count("thumbnail read") == 1 and "4 thumbnail reads" in trail
        assert "evidence.view" in trail and "evidence.download" in trail
        wait_until(
            lambda: len(_anchored(client, item_id, "evidence.thumbnail")) == 4 or None,
            timeout=60,
            what="the thumbnail reads to be anchored",
        )
    with httpx.Client(
        base_url=live_server,
        headers={"Authorization": f"Bearer {stack.user_token(auditor)}"},
        timeout=30,
    ) as audit:
        page = audit.get(f"/audit/items/{item_id}").text
        assert page.index("Views, plays and downloads") < page.index('id="trail-events"')
        assert "<code>evidence.thumbnail</code> × 4" in page
        report = audit.get(f"/api/v1/evidence/{item_id}/custody-report").text
        anchored = audit.get(f"/api/v1/evidence/{item_id}/audit").json()["events"]
    # Views and plays first, each thumbnail read still printed with its proof, after them.
    assert (
        report.index('id="accesses"') < report.index('id="sittings"') < report.index('id="routine"')
    )
    assert report.count('<div class="event" id="leaf-') == len(anchored)
    sittings = report[report.index('id="sittings"') : report.index("<h2>Events")]
    assert "<td>4</td>" in sittings


def _anchored(client: httpx.Client, item_id: uuid.UUID, action: str) -> list[dict[str, object]]:
    events = client.get(f"/api/v1/evidence/{item_id}/audit").json()["events"]
    return [event for event in events if event["event"]["action"] == action]
