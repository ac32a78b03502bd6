"""axe on every page each demo person can reach, on a laptop and on a phone (issue 12).

Each person signs in and walks every link of the app from their home page, one page per kind of
address (``/accounts/{id}/plan`` once, whichever account): axe-core (vendored under
``vendor/axe-core``, its default rules) must find no violation on any of them, at 1280x800 and at
390x844. Each page is loaded once and checked at both sizes: axe runs on a laptop, the viewport
is resized to a phone (the stylesheet's media queries apply to the same document) and axe runs
again (issue 10: no second load of every page). The main pages are also
saved as screenshots, both sizes and both colour schemes, under ``test-artifacts/screenshots/``
for a reviewer to look at (not committed), in the SQLite run (the PostgreSQL run would draw
the same pages again over the same files).

The walk's own guarantees (a violation at either size, a server error, a crawl cut short: each
fails the walk) are proved below on pages the browser is handed directly, without the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from app import demo
from app.demo.load import Listed
from tests.browser.support import ARTIFACTS, DESKTOP, PHONE, NewContext, sign_in
from tests.conftest import BACKEND
from tests.live import LiveServer

# A group of its own (with the folder's, "axe_browser"): the walk is long, so under
# `--dist loadgroup` it runs on another worker than the rest of the browser tests.
pytestmark = pytest.mark.xdist_group("axe")
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "screenshots"
# Addresses that are not pages: files, streams, and what ends the session.
NOT_PAGES = re.compile(r"^/(static/|logout|dev/)|/events$|\.(ics|csv|pdf|jsonl|svg|png|ico)$")
MAIN_PAGES = {"/", "/accounts/{id}", "/accounts/{id}/plan", "/inbox", "/portfolio"}
PHOTOGRAPHED = ("lead@brightwell.example", "sponsor@harbor.example")
MAX_KINDS = 80  # a guard against a crawl that never ends, far above what any person reaches
SIZES = (("laptop", DESKTOP), ("phone", PHONE))
# axe's default rules, and one it still calls experimental that issue 12 names: a link's
# accessible name must contain its visible text.
RUN_AXE = (
    "async (extra) => (await axe.run(document,"
    " {rules: {[extra]: {enabled: true}}, resultTypes: ['violations']})).violations"
)


def kind_of(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def links_on(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(  # SVG links too: their href is an object
        "a[href]", "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)"
    )
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and not NOT_PAGES.search(parts.path):
            paths.append(parts.path)
    return paths


def violations(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # not put in by the context
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE, "label-content-name-mismatch")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -- "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in found
    ]


def at_both_sizes(page: Page, path: str, also: Callable[[str], None]) -> list[str]:
    """axe on the page as loaded, on a laptop and then resized to a phone (back to a laptop
    after), with ``also(size)`` at each size."""
    problems: list[str] = []
    for size, viewport in SIZES:
        page.set_viewport_size(viewport)
        problems.extend(f"{size} {path}: {v}" for v in violations(page))
        also(size)
    page.set_viewport_size(DESKTOP)
    return problems


def crawl(page: Page, origin: str, check: Callable[[str, str], None]) -> dict[str, str]:
    """One address per kind, from the home page outwards, each kind checked (``check(kind,
    path)``, on the page as loaded) as it is found."""
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_KINDS:
        path = queue.pop(0)
        if kind_of(path) in seen:
            continue
        response = page.goto(path)  # "load": the stylesheet too, for the contrast rules
        assert response is not None, path
        assert response.status < 500, f"{path} answered {response.status}"
        if response.status >= 400 or urlsplit(page.url).path != path:
            continue  # not a page this person has (refused, or redirected to one they have)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # an answer for programs (the audit verification's JSON)
        seen[kind_of(path)] = path
        check(kind_of(path), path)
        queue.extend(p for p in links_on(page, origin) if kind_of(p) not in seen)
    assert not queue, f"more than {MAX_KINDS} kinds of page: {sorted(seen)}"
    return seen


def shoot(page: Page, who: str, kind: str, size: str) -> None:
    name = kind.strip("/").replace("/", "_").replace("{id}", "id") or "home"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        target = SCREENSHOTS / who / f"{name}-{size}-{scheme}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
    page.emulate_media(color_scheme="light")


@pytest.mark.parametrize("person", demo.PEOPLE, ids=[p.email for p in demo.PEOPLE])
def test_axe_finds_nothing_on_any_page_at_either_size(
    demo_data: LiveServer, new_context: NewContext, person: Listed
) -> None:
    # axe is in every document the context opens (an init script: compiled once, not sent and
    # parsed again for each page), beside the pages' own scripts: their Content-Security-Policy
    # would refuse it.
    context = new_context(viewport=DESKTOP, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    sign_in(page, person.email)
    problems: list[str] = []
    who = person.email.replace("@", "_at_")

    def check(kind: str, path: str) -> None:
        def photograph(size: str) -> None:
            if kind in MAIN_PAGES and person.email in PHOTOGRAPHED and BACKEND == "sqlite":
                shoot(page, who, kind, size)

        problems.extend(at_both_sizes(page, path, photograph))

    pages = crawl(page, demo_data.url, check)
    assert len(pages) >= 3, pages  # home, an account, its plan at least
    assert problems == [], "\n".join(problems)


# --------------------------------------------------------------------------------------------
# The walk fails where it must: pages handed to the browser directly (no app, no server)
# --------------------------------------------------------------------------------------------

ORIGIN = "http://walk.test"
PAGE = (
    '<!doctype html><html lang="en"><head><title>{title}</title><style>{style}</style></head>'
    "<body><main><h1>{title}</h1>{body}</main></body></html>"
)
# Dark grey on white, and on a phone pale grey on white (contrast about 1.6: a violation).
PALE_ON_PHONES = "p { color: #333 } @media (max-width: 600px) { p { color: #ccc } }"


@pytest.fixture
def site(browser: Browser) -> Iterator[Callable[[dict[str, tuple[int, str]]], Page]]:
    """A page whose addresses answer from ``pages`` (path -> (status, HTML)); any other 404."""
    contexts: list[BrowserContext] = []

    def make(pages: dict[str, tuple[int, str]]) -> Page:
        context = browser.new_context(base_url=ORIGIN, viewport=DESKTOP)
        contexts.append(context)

        def answer(route: Route) -> None:
            status, body = pages.get(urlsplit(route.request.url).path, (404, "not here"))
            route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

        context.route(f"{ORIGIN}/**", answer)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def html(title: str, body: str = "", style: str = "") -> tuple[int, str]:
    return 200, PAGE.format(title=title, body=body, style=style)


def walk(page: Page, *, axe: bool = True) -> tuple[dict[str, str], list[str]]:
    problems: list[str] = []

    def check(kind: str, path: str) -> None:
        if axe:
            problems.extend(at_both_sizes(page, path, lambda size: None))

    return crawl(page, ORIGIN, check), problems


def test_the_walk_finds_a_violation_that_only_a_phone_shows(
    site: Callable[[dict[str, tuple[int, str]]], Page],
) -> None:
    page = site(
        {
            "/": html("Home", '<p>Hello</p><a href="/items/7">An item</a>'),
            "/items/7": html("Item", "<p>Small print</p>", PALE_ON_PHONES),
        }
    )
    seen, problems = walk(page)
    assert seen == {"/": "/", "/items/{id}": "/items/7"}
    assert [p.split(":")[0] for p in problems] == ["phone /items/7"], problems
    assert "color-contrast" in problems[0]
    # The walk leaves the page as it found it for the next one: a laptop.
    assert page.viewport_size == DESKTOP


def test_the_walk_fails_on_a_server_error(
    site: Callable[[dict[str, tuple[int, str]]], Page],
) -> None:
    page = site({"/": html("Home", '<a href="/broken">Broken</a>'), "/broken": (500, "oops")})
    with pytest.raises(AssertionError, match="/broken answered 500"):
        walk(page, axe=False)


def test_the_walk_fails_when_it_is_cut_short(
    site: Callable[[dict[str, tuple[int, str]]], Page], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every page links to a page of a new kind: more kinds than the walk may visit (a lower
    # limit than the real walk's, so that the proof is quick; the same comparison).
    monkeypatch.setattr(f"{__name__}.MAX_KINDS", 4)
    pages = {"/": html("Home", '<a href="/k0">Next</a>')}
    pages |= {f"/k{n}": html(f"Page {n}", f'<a href="/k{n + 1}">Next</a>') for n in range(9)}
    with pytest.raises(AssertionError, match="more than 4 kinds of page"):
        walk(site(pages), axe=False)
    # With as many kinds as the limit, the same walk ends.
    pages["/k2"] = html("Page 2")
    assert len(walk(site(pages), axe=False)[0]) == 4
