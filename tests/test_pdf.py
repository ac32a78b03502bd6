"""The PDF of the plan (issue 14 §3): the current plan and an agreed version, rendered on the
server with WeasyPrint and read back with pypdf. The cover names the parties and the agreement;
the client's priorities come in rank order; nothing internal is in anyone's PDF; the value chart
is drawn in the stylesheet's colours; every page's footer carries the account's name and the
page number; the queries are a fixed number whatever the plan's size; the plan page and the
version page link to their PDF. (Who may fetch which PDF: tests/test_authorization_matrix.py;
the client's PDFs in the marker sweep: tests/test_internal_never_leaks.py.)"""

from __future__ import annotations

import inspect
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.agreement import service as agreement
from app.kit import clock
from app.models import ClientOrganisation, Priority, ValueRating
from app.pdf import cache, render
from app.pdf.routes import file_name
from app.priorities import service as priorities
from tests import pdftext
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.test_agreement import (
    SECRET,
    add_priority,
    agree,
    current_plan,
    fill_plan,
    internal_content,
    shared_content,
    url,
)
from tests.testclient import TestClient

ROLES = ("lead", "team", "mentor", "sponsor", "member", "viewer")
Answer = object  # the TestClient's response (httpx)


def pages_of(response: Answer) -> list[str]:
    """The text of every page of a PDF answer, its whitespace made single spaces."""
    return pdftext.pages(response.content)  # type: ignore[attr-defined]


def text_of(response: Answer) -> str:
    return " ".join(pages_of(response))


def get_pdf(client: TestClient, world: World, tail: str) -> Answer:
    response = client.get(url(world, tail))
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    return response


def client_name(session: Session, world: World) -> str:
    org = session.get(ClientOrganisation, world.account.client_org_id)
    assert org is not None
    return org.name


def rank(session: Session, world: World, titles: list[str]) -> None:
    """The client ranks the plan's priorities in the order of ``titles``."""
    plan = current_plan(session, world)
    rows = session.exec(select(Priority).where(Priority.plan_id == plan.id)).all()
    by_title = {p.title: p.id for p in rows}
    ids = [by_title[t] for t in titles]
    priorities.reorder(session, actor=world.members["sponsor"], plan=plan, ids=ids)  # type: ignore[arg-type]
    session.commit()


def rate(session: Session, world: World, overalls: list[int]) -> None:
    """Ratings a month apart, the last one now, each with two dimensions."""
    plan = current_plan(session, world)
    start = clock.now() - timedelta(days=30 * len(overalls))
    for n, overall in enumerate(overalls, 1):
        session.add(
            ValueRating(
                account_id=world.account.id,  # type: ignore[arg-type]
                plan_id=plan.id,  # type: ignore[arg-type]
                overall=overall,
                scores={"Responsiveness": overall - 1, "Expertise": overall},
                rated_at=start + timedelta(days=30 * n),
            )
        )
    session.commit()


# --- who reads what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_current_plan_prints_its_shared_content_for_every_role(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    shared_content(session, world)
    internal_content(session, world)
    sign_in(client, session, world.members[role])
    response = get_pdf(client, world, "/plan.pdf")
    text = text_of(response)
    for shown in ("Double revenue", "Grow in Asia", "Regional pilot", "Faster entry"):
        assert shown in text
    assert "Kick-off workshop" in text
    assert "Pilot scope agreed" in text
    assert "1 Mar 2027" in text  # the due day, as the reader's locale writes it
    # Nothing internal, whoever asks: a PDF is safe to forward to the other side.
    assert SECRET not in text
    assert SECRET.encode() not in response.content  # type: ignore[attr-defined]
    disposition = response.headers["content-disposition"]  # type: ignore[attr-defined]
    assert disposition == 'attachment; filename="own-account-plan-fy2027.pdf"'
    assert response.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]


def test_the_client_s_priorities_come_in_rank_order(
    client: TestClient, session: Session, world: World
) -> None:
    titles = ["Enter Japan", "Cut churn", "Grow in Asia", "Renew the fleet"]
    for title in reversed(titles):  # made in the other order: the rank is what counts
        add_priority(session, world, title)
    rank(session, world, titles)
    sign_in(client, session, world.members["viewer"])
    text = text_of(get_pdf(client, world, "/plan.pdf"))
    part = text[text.index("priorities, in rank order") :]
    found = [part.index(f"{n} {title}") for n, title in enumerate(titles, 1)]
    assert found == sorted(found), part[:400]
    # The other way round, and the PDF follows.
    rank(session, world, list(reversed(titles)))
    text = text_of(get_pdf(client, world, "/plan.pdf"))
    part = text[text.index("priorities, in rank order") :]
    found = [part.index(f"{n} {title}") for n, title in enumerate(reversed(titles), 1)]
    assert found == sorted(found), part[:400]


def test_the_strategy_comes_in_the_plan_page_s_order(
    client: TestClient, session: Session, world: World
) -> None:
    fill_plan(session, world, 3, "s")  # drivers, made before the goal
    shared_content(session, world)  # a goal
    sign_in(client, session, world.members["sponsor"])
    text = text_of(get_pdf(client, world, "/plan.pdf"))
    part = text[text.index("strategy") : text.index("priorities, in rank order")]
    order = ["Goals", "Double revenue", "Strategic drivers", "s driver 0", "s driver 1"]
    places = [part.index(shown) for shown in [*order, "s driver 2"]]
    assert places == sorted(places), part


# --- the cover --------------------------------------------------------------------------------


def test_the_cover_names_the_parties_and_says_the_plan_is_not_yet_agreed(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow in Asia")
    sign_in(client, session, world.members["sponsor"])
    cover = pages_of(get_pdf(client, world, "/plan.pdf"))[0]
    assert "Own account" in cover
    assert f"Client {client_name(session, world)}" in cover
    assert "Vendor Vendor" in cover  # the workspace is called "Vendor" in the tests' world
    assert "Account Own account" in cover
    assert "Plan FY2027" in cover
    assert "Not yet agreed." in cover
    assert "Grow in Asia" not in cover  # the cover is a page of its own


def test_the_cover_follows_the_agreement_of_the_current_plan(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow in Asia")
    sign_in(client, session, world.members["member"])
    plan = current_plan(session, world)
    agreement.submit(session, actor=world.members["lead"], plan=plan)
    session.commit()
    cover = pages_of(get_pdf(client, world, "/plan.pdf"))[0]
    assert "Not yet agreed." in cover
    assert "waiting for the approval of the client sponsor and the account lead" in cover

    version = agree_submitted(session, world)
    cover = pages_of(get_pdf(client, world, "/plan.pdf"))[0]
    assert f"Agreed: version {version.number}" in cover
    assert "nothing changed since" in cover
    assert "Approved by Client sponsor (client sponsor) and Account lead (account lead)" in cover

    add_priority(session, world, "Cut churn")
    cover = pages_of(get_pdf(client, world, "/plan.pdf"))[0]
    assert "Changed since it was agreed." in cover
    assert f"Version {version.number} was agreed on" in cover


def agree_submitted(session: Session, world: World) -> object:
    from app.agreement.service import Slot

    plan = current_plan(session, world)
    agreement.approve(session, actor=world.members["sponsor"], plan=plan, slot=Slot.SPONSOR)
    approval = agreement.approve(session, actor=world.members["lead"], plan=plan, slot=Slot.LEAD)
    session.commit()
    assert approval.version is not None
    return approval.version


def test_a_version_prints_as_it_was_agreed(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow in Asia")
    rate(session, world, [5, 7])
    first = agree(session, world)
    add_priority(session, world, "Added after the agreement")
    rate(session, world, [2])  # given after: not on the version's chart
    second = agree(session, world)
    sign_in(client, session, world.members["viewer"])

    response = get_pdf(client, world, f"/plan/versions/{first.id}/plan.pdf")
    pages = pages_of(response)
    assert "Plan FY2027 · agreed version 1" in pages[0]
    assert "Agreed version 1" in pages[0]
    assert "exactly as both sides agreed it" in pages[0]
    assert "Approved by Client sponsor (client sponsor) and Account lead (account lead)" in pages[0]
    text = " ".join(pages)
    assert "Grow in Asia" in text
    assert "Added after the agreement" not in text
    assert "7 out of 10, the latest rating" in text
    disposition = response.headers["content-disposition"]  # type: ignore[attr-defined]
    assert disposition == 'attachment; filename="own-account-plan-fy2027-version-1.pdf"'

    text = text_of(get_pdf(client, world, f"/plan/versions/{second.id}/plan.pdf"))
    assert "Added after the agreement" in text
    assert "2 out of 10, the latest rating" in text


# --- the chart, the footer --------------------------------------------------------------------


def test_the_value_trend_chart_is_drawn_in_the_stylesheet_s_colours(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    text = text_of(get_pdf(client, world, "/plan.pdf"))
    assert "has not rated the relationship in this plan" in text
    assert "Overall" not in text  # no chart without ratings

    rate(session, world, [4, 6, 8])
    response = get_pdf(client, world, "/plan.pdf")
    text = text_of(response)
    assert "8 out of 10, the latest rating" in text
    assert "Overall" in text
    assert "Responsiveness" in text
    assert "Expertise" in text
    # The chart's style is inside each <svg> (WeasyPrint styles an inline SVG only from
    # within), its colours the stylesheet's tokens.
    _, charts = render.stylesheets()
    assert "var(" not in charts
    assert ".chart-brand { color: #1f5fbf; }" in charts  # --brand in static/pdf.css's :root
    html = render.with_chart_style(
        '<p><svg viewBox="0 0 1 1"><g/></svg><svg class="x"></svg>', charts
    )
    assert html.count("<style>") == 2
    assert html.startswith(f'<p><svg viewBox="0 0 1 1"><style>{charts}</style><g/>')


def test_every_page_s_footer_names_the_account_and_numbers_the_page(
    client: TestClient, session: Session, world: World
) -> None:
    fill_plan(session, world, 12, "many")
    sign_in(client, session, world.members["lead"])
    pages = pages_of(get_pdf(client, world, "/plan.pdf"))
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        assert "Own account" in page, n
        assert f"Page {n} of {len(pages)}" in page, n


# --- cost, links, names -----------------------------------------------------------------------


def test_a_pdf_costs_a_fixed_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    fill_plan(session, world, 1, "few")
    rate(session, world, [5, 6])
    small = agree(session, world)
    sign_in(client, session, world.members["viewer"])

    def counts(version_id: int | None) -> list[int]:
        found = []
        for tail in ("/plan.pdf", f"/plan/versions/{version_id}/plan.pdf"):
            get_pdf(client, world, tail)  # warm
            count_queries.statements.clear()
            get_pdf(client, world, tail)
            found.append(count_queries.count)
        return found

    few = counts(small.id)
    fill_plan(session, world, 30, "more")
    rate(session, world, [3, 4, 5, 6, 7, 8, 9])
    big = agree(session, world)
    many = counts(big.id)
    assert many == few, (few, many)
    assert all(n <= 14 for n in few), few


def test_the_plan_page_and_the_version_pages_link_to_their_pdf(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow in Asia")
    version = agree(session, world)
    sign_in(client, session, world.members["viewer"])
    plan_page = client.get(url(world, "/plan")).text
    assert f'href="/accounts/{world.account.id}/plan.pdf" id="plan-pdf" download' in plan_page
    version_page = client.get(url(world, f"/plan/versions/{version.id}")).text
    expected = f'href="/accounts/{world.account.id}/plan/versions/{version.id}/plan.pdf"'
    assert expected in version_page
    assert expected in client.get(url(world, "/plan/versions")).text  # the list links each
    # ... and the version page itself still answers at its id, the PDF at its own address.
    assert client.get(url(world, f"/plan/versions/{version.id}")).status_code == 200
    assert client.get(url(world, f"/plan/versions/{version.id}x/plan.pdf")).status_code in (
        404,
        422,
    )


def test_a_file_name_is_plain_ascii() -> None:
    assert file_name("Bücher & Co.", "plan", "FY 2027/28") == "bucher-co-plan-fy-2027-28.pdf"
    assert file_name('"; rm -rf', "") == "rm-rf.pdf"
    assert file_name("日本", "") == "plan.pdf"
    assert len(file_name("x" * 500)) <= 104


def test_a_pdf_fetches_nothing() -> None:
    """The document holds all it shows: an address in it (there is none, text is escaped)
    would not be fetched, whatever its scheme."""
    _, _, fetcher_class = render._weasyprint()
    for address in ("file:///etc/hostname", "http://127.0.0.1:9/x.png", "data:text/plain,x"):
        with pytest.raises(ValueError, match="fetches nothing"):
            fetcher_class().fetch(address)


def test_rendering_runs_off_the_event_loop() -> None:
    """Plain ``def`` routes: FastAPI runs them in a worker thread, so a rendering (CPU-bound,
    about a second for a large plan) never holds the event loop."""
    from app.pdf import routes

    for endpoint in (routes.plan_pdf, routes.version_pdf):
        assert not inspect.iscoroutinefunction(endpoint), endpoint.__name__


# --- under a burst: validators, the versions' cache, busy renderers ----------------------------


def test_the_current_plan_s_pdf_is_a_304_while_it_is_unchanged(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow in Asia")
    sign_in(client, session, world.members["sponsor"])
    first = get_pdf(client, world, "/plan.pdf")
    etag = first.headers["etag"]  # type: ignore[attr-defined]
    assert first.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]

    again = client.get(url(world, "/plan.pdf"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    add_priority(session, world, "Open an office in Lyon")
    changed = client.get(url(world, "/plan.pdf"), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "Open an office in Lyon" in text_of(changed)


def test_a_version_s_pdf_is_made_once_per_side_then_served_from_memory(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_priority(session, world, "Grow in Asia")
    version = agree(session, world)
    cache.VERSIONS.clear()
    made: list[int] = []
    real = render.pdf_of_html

    def counted(html: str) -> bytes:
        made.append(1)
        return real(html)

    monkeypatch.setattr(render, "pdf_of_html", counted)
    tail = f"/plan/versions/{version.id}/plan.pdf"
    sign_in(client, session, world.members["viewer"])
    first = get_pdf(client, world, tail)
    for _ in range(3):
        assert get_pdf(client, world, tail).content == first.content  # type: ignore[attr-defined]
    assert len(made) == 1
    etag = first.headers["etag"]  # type: ignore[attr-defined]
    assert client.get(url(world, tail), headers={"If-None-Match": etag}).status_code == 304

    sign_in(client, session, world.members["lead"])  # the other side: a copy of its own
    assert "Grow in Asia" in text_of(get_pdf(client, world, tail))
    assert len(made) == 2
    cache.VERSIONS.clear()


def test_when_every_renderer_is_busy_a_pdf_is_a_503_with_retry_after(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = threading.BoundedSemaphore(1)
    taken.acquire()  # every turn is taken
    monkeypatch.setattr(render, "_TURNS", taken)
    monkeypatch.setattr(render, "TURN_WAIT_SECONDS", 0.05)
    cache.VERSIONS.clear()
    sign_in(client, session, world.members["member"])

    busy = client.get(url(world, "/plan.pdf"))

    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "5"
    assert "try again" in busy.text
    taken.release()
    assert client.get(url(world, "/plan.pdf")).status_code == 200


def test_the_version_cache_keeps_to_its_size() -> None:
    kept = cache.PdfCache(max_bytes=10)
    kept.put("a", b"12345")
    kept.put("b", b"12345")
    assert kept.get("a") == b"12345"  # now the most recently used
    kept.put("c", b"123")
    assert kept.get("b") is None
    assert (kept.get("a"), kept.get("c")) == (b"12345", b"123")
    kept.put("huge", b"x" * 11)
    assert kept.get("huge") is None
