"""The Chromium the browser tests drive: Playwright's own switches kept, the address bar's
suggestion pop-ups (a WebUI renderer each, in every context) not started."""

from __future__ import annotations

from playwright.sync_api import Browser, Playwright

from tests.browser.conftest import CHROMIUM, OMNIBOX_POPUPS, disabled_features
from tests.browser.support import NewContext


def test_chromium_keeps_playwrights_switches_and_starts_no_omnibox_popup(
    browser: Browser, playwright: Playwright, new_context: NewContext
) -> None:
    plain = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
    )
    try:
        playwrights = disabled_features(plain)
    finally:
        plain.close()
    ours = disabled_features(browser)
    assert playwrights, "Playwright turns features off itself"
    assert playwrights <= ours, playwrights - ours
    assert set(OMNIBOX_POPUPS) <= ours

    page = new_context().new_page()
    page.set_content("<p>A page, as a test opens one.</p>")
    cdp = browser.new_browser_cdp_session()
    targets = cdp.send("Target.getTargets", {"filter": [{}]})["targetInfos"]
    assert [t["url"] for t in targets if t["type"] == "page"], targets
    assert not [t["url"] for t in targets if "omnibox" in t["url"]], targets
