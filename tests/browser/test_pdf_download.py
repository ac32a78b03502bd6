"""Downloading the plan's PDF from the plan page in Chromium: the file the browser saves is a
PDF named after the account, and holds the client's priorities in the order the page shows
them (the demo's Harbor Logistics, as its client sponsor on a phone)."""

from __future__ import annotations

from pathlib import Path

from tests import pdftext
from tests.browser.support import PHONE, NewContext, account_id, sign_in
from tests.live import LiveServer


def test_the_plan_page_s_download_pdf_saves_the_plan(
    demo_data: LiveServer, new_context: NewContext, tmp_path: Path
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True)
    page = context.new_page()
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/plan")
    shown = page.locator("#priorities ol.priorities > li.priority h3")
    titles = [t.strip() for t in shown.all_inner_texts()]
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("harbor-logistics-plan-")
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = pdftext.text(saved.read_bytes())
    assert "Harbor Logistics" in text
    assert len(titles) >= 3, titles
    ranked = text[text.index("priorities, in rank order") :]
    places = [ranked.index(title) for title in titles]
    assert places == sorted(places), titles
