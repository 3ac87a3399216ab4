"""A crawler for the security tests: follows every same-site link (and htmx `hx-get`) a signed-in
person can reach, visiting each route template a couple of times, and records every page's
response and every form on it — so pages and forms added later are covered without a list."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page

from openbwv.composition import api_routes

SKIP_PREFIXES = ("/static/", "/api/", "/auth/", "/v1/", "/sign-out", "/sign-in")
PER_ROUTE = 2
MAX_PAGES = 120
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""\b(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)

_FORMS_JS = """() => Array.from(document.forms).map(f => ({
  action: f.getAttribute('action') || location.pathname,
  method: (f.getAttribute('method') || 'get').toLowerCase(),
  fields: Array.from(f.elements).filter(e => e.name).map(e => [e.name, e.type, e.value]),
}))"""
_LINKS_JS = """() => Array.from(document.querySelectorAll('a[href], [hx-get]'))
  .map(e => e.getAttribute('href') || e.getAttribute('hx-get'))"""


@dataclass(frozen=True)
class Form:
    page: str
    action: str
    method: str
    fields: tuple[tuple[str, str, str], ...]  # (name, type, value)

    def value(self, name: str) -> str | None:
        return next((value for n, _t, value in self.fields if n == name), None)


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> route template
    html: dict[str, str] = field(default_factory=dict)  # url -> the server's HTML
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # url -> JS errors, CSP reports
    requested: set[str] = field(default_factory=set)  # templates asked for (before redirects)

    @property
    def templates(self) -> set[str]:
        return set(self.pages.values()) | self.requested


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    found = []
    for method, path, _route in api_routes():
        if method != "GET" or path.startswith(SKIP_PREFIXES):
            continue
        regex = re.sub(r"\{[^}:]+:path\}", ".+", path)
        regex = re.sub(r"\{[^}]+\}", "[^/]+", regex)
        found.append((re.compile(f"^{regex}$"), path))
    # Literal segments win over parameters (/admin/users/new before /admin/users/{username}).
    found.sort(key=lambda pair: pair[1].count("{"))
    return found


def route_of(path: str, patterns: list[tuple[re.Pattern[str], str]]) -> str | None:
    return next((template for regex, template in patterns if regex.match(path)), None)


def static_problems(html: str) -> list[str]:
    """What the strict CSP forbids, found in the server's HTML before any browser sees it."""
    problems = []
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("style attribute", INLINE_STYLE),
        ("inline event handler", INLINE_HANDLER),
        ("javascript: URL", JAVASCRIPT_URL),
    ):
        problems += [f"{name}: {m.group(0)[:80]}" for m in pattern.finditer(html)]
    return problems


def crawl(page: Page, start: list[str], base_url: str) -> Crawl:
    result = Crawl()
    patterns = _patterns()
    errors: list[str] = page.js_errors  # type: ignore[attr-defined]
    queue = deque(start)
    seen: set[str] = set()
    per_route: dict[str, int] = {}
    while queue and len(result.pages) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(urljoin(base_url, url))
        if parts.netloc != urlsplit(base_url).netloc or parts.path.startswith(SKIP_PREFIXES):
            continue
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        template = route_of(parts.path, patterns)
        if target in seen or template is None or per_route.get(template, 0) >= PER_ROUTE:
            continue
        seen.add(target)
        result.requested.add(template)
        errors.clear()
        response = page.goto(target)
        assert response is not None
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        final = urlsplit(page.url).path
        template = route_of(final, patterns) or template
        per_route[template] = per_route.get(template, 0) + 1
        result.pages[target] = template
        result.html[target] = response.text()
        result.headers[target] = response.headers
        page.wait_for_load_state("load")
        result.forms += [
            Form(target, f["action"], f["method"], tuple(tuple(x) for x in f["fields"]))
            for f in page.evaluate(_FORMS_JS)
        ]
        result.errors[target] = list(errors)
        queue.extend(href for href in page.evaluate(_LINKS_JS) if href and "#" not in href[:1])
    return result
