"""The API's reference page (static/api.html): the operations and schemas of the API's own
OpenAPI document, drawn by its script under the app's content security policy."""

from __future__ import annotations

import httpx
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.live import LiveServer


def test_the_reference_lists_every_operation(page: Page, live_server: LiveServer) -> None:
    problems: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":  # a script error, or a refusal of the CSP
            problems.append(message.text)

    page.on("console", note)
    page.goto(f"{live_server.url}/static/api.html")
    expect(page.locator("#api-status")).to_contain_text("Jointplan API, version 1")
    document = httpx.get(f"{live_server.url}/api/v1/openapi.json").json()
    methods = ("get", "post", "put", "patch", "delete")
    count = sum(method in item for item in document["paths"].values() for method in methods)
    assert count > 8
    operations = page.locator(".api-operation")
    expect(operations).to_have_count(count)
    expect(operations.first).to_contain_text("GET /api/v1/accounts")
    patch = operations.filter(has_text="PATCH").filter(has_text="ActionChange")
    expect(patch).to_contain_text("if-match")
    expect(patch).to_contain_text("412")
    patch.get_by_role("link", name="ActionChange").click()
    expect(page.locator("#schema-ActionChange")).to_be_in_viewport()
    expect(page.locator("#schema-Problem")).to_be_visible()
    assert problems == []
