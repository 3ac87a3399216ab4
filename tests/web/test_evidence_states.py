"""An item that cannot be played yet says why, one state at a time (issue 9, item 12: an
unreadable upload once read "The playback copy is still being made: this file does not decode
as video")."""

from __future__ import annotations

import httpx
import pytest

from tests.support import factories
from tests.support.stack import Stack

EXPECTED = {
    "processing": "The playback copy is still being made.",
    "unreadable": "This file does not decode as video",
    "failed": "Making the playback copy failed",
}


@pytest.mark.parametrize("status", sorted(EXPECTED))
def test_each_state_has_its_own_message(stack: Stack, live_server: str, status: str) -> None:
    officer = stack.user("officer", borough="E09000030", team=factories.unique("States"))
    item_id = factories.item(officer, status=status)
    headers = {"Authorization": f"Bearer {stack.user_token(officer)}", "Accept": "text/html"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        page = client.get(f"/evidence/{item_id}")
    assert page.status_code == 200, page.text
    assert f'data-state="{status}"' in page.text
    assert EXPECTED[status] in page.text
    for other, message in EXPECTED.items():
        if other != status:
            assert message not in page.text, (status, other)
