"""The PDF of the plan (issue 14 §3): the current plan and an agreed version, rendered on the
server with WeasyPrint, read back with pypdf. The cover names the parties and the agreement;
the client's priorities come in rank order; nothing internal is in anyone's PDF; the value chart
is drawn; a page footer carries the account's name and the page number; the queries are a fixed
number whatever the plan's size; the plan page and the version page link to their PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlmodel import Session
from starlette.testclient import TestClient

from tests.factories import World, sign_in
from tests.test_agreement import (
    SECRET,
    add_priority,
    current_plan,
    internal_content,
    shared_content,
    url,
)

ROLES = ("lead", "team", "mentor", "sponsor", "member", "viewer")


def pages_of(response: object) -> list[str]:
    """The text of every page of a PDF answer, whitespace made single spaces."""
    content = response.content  # type: ignore[attr-defined]
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def text_of(response: object) -> str:
    return " ".join(pages_of(response))


def get_pdf(client: TestClient, world: World, tail: str) -> object:
    response = client.get(url(world, tail))
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    return response


def rank_priorities(session: Session, world: World, titles: list[str]) -> None:
    """Priorities added in ``titles``' reverse order, so rank order is not creation order."""
    for title in reversed(titles):
        add_priority(session, world, title)
    plan = current_plan(session, world)
    from app.priorities import service as priorities  # the client ranks them

    rows = sorted(
        (p for p in priorities_of(session, plan.id)), key=lambda p: titles.index(p.title)
    )
    priorities.reorder(
        session, actor=world.members["sponsor"], plan=plan, order=[p.id for p in rows]
    )
    session.commit()


def priorities_of(session: Session, plan_id: int | None) -> list[object]:
    from sqlmodel import select

    from app.models import Priority

    return list(session.exec(select(Priority).where(Priority.plan_id == plan_id)).all())


@pytest.mark.parametrize("role", ROLES)
def test_the_current_plan_prints_for_every_role_with_nothing_internal(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    shared_content(session, world)
    internal_content(session, world)
    sign_in(client, session, world.members[role])
    response = get_pdf(client, world, "/plan.pdf")
    text = text_of(response)
    assert "Grow in Asia" in text
    assert "Regional pilot" in text
    assert "Kick-off workshop" in text
    assert "Double revenue" in text
    assert SECRET not in text
    assert SECRET.encode() not in response.content  # type: ignore[attr-defined]
