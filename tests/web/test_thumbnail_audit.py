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
