"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against the live server.

Every test in this folder is marked ``browser``. Chromium is launched once for the folder (package
scope, so Playwright's event loop is gone before any other test runs); each test gets fresh
browser contexts, and when a test fails a full-page screenshot of every page it opened is written
to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.browser.support import ARTIFACTS, DESKTOP, NewContext
from tests.live import LiveServer

HERE = Path(__file__).resolve().parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless Chromium draws a whole browser window for each context, and each window starts the
# address bar's two suggestion pop-ups (chrome://omnibox-popup.top-chrome/), each a WebUI page in
# a renderer of its own, which no test ever opens: 0.55 s of CPU a context with them, 0.2 s
# without (20 contexts, each one page; tests/benchmarks/NOTES.md). Turned off beside what
# Playwright turns off itself (``browser``).
OMNIBOX_POPUPS = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            # Under pytest-xdist (``--dist loadgroup``, as ``make test`` runs) one worker runs
            # them all, so Chromium and the package's fixtures start once.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make chromium`")
    # Chromium reads only the last ``--disable-features`` it is given, and Playwright gives one
    # of its own (its list changes with its versions): ours is Playwright's, read from a
    # browser it launched, and the pop-ups.
    plain = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        features = disabled_features(plain) | set(OMNIBOX_POPUPS)
    finally:
        plain.close()
    switch = "--disable-features=" + ",".join(sorted(features))
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, switch]
    )
    yield browser
    browser.close()


def disabled_features(browser: Browser) -> set[str]:
    """What ``browser`` runs with turned off, from its own command line (chrome://version)."""
    page = browser.new_page()
    try:
        page.goto("chrome://version")
        switches = page.locator("#command_line").inner_text().split()
    finally:
        page.close()
    lists = [
        s.removeprefix("--disable-features=")
        for s in switches
        if s.startswith("--disable-features=")
    ]
    return set(lists[-1].split(",")) if lists else set()  # Chromium reads the last one


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[NewContext]:
    """Make a fresh browser context (its own cookies) on the live server; closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        # The browser's languages: a first sign-in adopts the locale from them (en-GB: the
        # stories compare days and figures as the default locale writes them).
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for c, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for p, page in enumerate(context.pages):
                try:
                    page.screenshot(path=ARTIFACTS / f"{name}-{c}-{p}.png", full_page=True)
                except Exception as exc:  # a crashed page must not hide the test's own failure
                    print(f"no screenshot of {name} page {c}-{p}: {exc}")
        context.close()


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """A desktop-sized page in its own context."""
    return new_context().new_page()
