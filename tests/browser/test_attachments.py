"""Files in the browser: a file dropped on an item's file area is uploaded in the background
and listed without a reload; one chosen with the keyboard and sent with Enter too; a file over
the limit is refused before it is sent, saying the limit; the file then shows under its item on
the plan page, and downloads."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.models import Attachment
from tests.browser.support import SameDocument, account_id, sign_in
from tests.browser.test_comments import add_priority
from tests.live import LiveServer

DROP = """([selector, name, size]) => {
  const data = new DataTransfer();
  const bytes = size ? new Uint8Array(size) : new TextEncoder().encode("%PDF-1.4\\n%%EOF\\n");
  data.items.add(new File([bytes], name, {type: "application/pdf"}));
  const zone = document.querySelector(selector);
  for (const kind of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(kind, {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


def _files(server: LiveServer) -> list[str]:
    with Session(server.db.engine) as session:
        return [a.file_name for a in session.exec(select(Attachment)).all()]


def test_a_dropped_file_is_uploaded_in_place_and_a_large_one_refused_before_sending(
    demo_data: LiveServer, page: Page
) -> None:
    harbor = account_id(demo_data.db, "Harbor Logistics")
    priority = add_priority(demo_data, harbor)
    sign_in(page, "sponsor@harbor.example")
    page.goto(f"/accounts/{harbor}/files/priority/{priority}")
    expect(page.get_by_text("No files yet.")).to_be_visible()
    same = SameDocument(page)

    page.evaluate(DROP, [".dropzone", "Dock study.pdf", 0])

    area = page.locator(f"#files-priority-{priority}")
    expect(area.locator(".flash")).to_have_text("“Dock study.pdf” added.")
    expect(area.get_by_role("link", name="Dock study.pdf")).to_be_visible()
    same.check()

    page.evaluate(DROP, [".dropzone", "Huge scan.pdf", 26 * 1024 * 1024])
    expect(page.locator(".upload-status")).to_have_text(
        "“Huge scan.pdf” is too large: files up to 25 MB are taken."
    )
    assert _files(demo_data) == ["Dock study.pdf"]

    # From the keyboard: choose the file, then Enter on the Upload button.
    page.get_by_label("Add a file").set_input_files(
        files=[{"name": "Notes.txt", "mimeType": "text/plain", "buffer": b"Dock 4 first"}]
    )
    page.get_by_role("button", name="Upload").focus()
    page.keyboard.press("Enter")
    expect(area.get_by_role("link", name="Notes.txt")).to_be_visible()
    same.check()

    page.goto(f"/accounts/{harbor}/plan")
    under = page.locator(f"#item-files-priority-{priority}")
    expect(under.get_by_role("link", name="Dock study.pdf")).to_be_visible()
    with page.expect_download() as download:
        under.get_by_role("link", name="Notes.txt").click()
    assert download.value.suggested_filename == "Notes.txt"
