"""verify.html, opened from an unpacked package in Chromium with no server behind it (file://,
its own CSP forbids every fetch): choosing the folder checks every file's SHA-256, every custody
proof and the checkpoint's Ed25519 signature (WebCrypto); each item is green, or red with why."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.sharing.package_helpers import build_package
from tests.support.stack import Stack
from tests.web.conftest import screenshot, watch_page_errors


def _verify(page: Page, folder: Path) -> None:
    page.goto((folder / "verify.html").as_uri())
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#summary")).not_to_have_attribute("data-state", "busy", timeout=60_000)


def test_verify_html_shows_each_item_green_or_red(
    page: Page, stack: Stack, live_server: str, admin_token: str, tmp_path: Path
) -> None:
    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
    ) as api:
        built = build_package(stack, api, live_server, tmp_path)
    first, second = built.item_ids

    _verify(page, built.folder)
    expect(page.locator("#summary")).to_have_attribute("data-state", "ok")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(5)  # the checkpoint, its consistency, the package's files, 2 items
    expect(page.locator('#results tbody tr.ok[data-entry="consistency"]')).to_have_count(1)
    expect(page.locator("#results tbody tr.fail")).to_have_count(0)
    screenshot(page, "package-verifier")

    tampered = tmp_path / "tampered"
    shutil.copytree(built.folder, tampered)
    clip = next((tampered / "items" / first / "original").iterdir())
    data = bytearray(clip.read_bytes())
    data[len(data) // 2] ^= 0x01
    clip.write_bytes(bytes(data))
    _verify(page, tampered)
    expect(page.locator("#summary")).to_have_attribute("data-state", "fail")
    red = page.locator("#results tbody tr.fail")
    expect(red).to_have_count(1)
    expect(red).to_have_attribute("data-entry", first)
    expect(red).to_contain_text("SHA-256 differs from the manifest")
    expect(page.locator(f'#results tbody tr.ok[data-entry="{second}"]')).to_have_count(1)
    assert watch_page_errors(page) == []
