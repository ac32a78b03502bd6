"""Numbers, money and dates per person's locale, money in the workspace's currency (issue 12,
point 6): the kit's formatting (CLDR, through Babel), a person's locale adopted from the
browser at their first sign-in and changed on /me, the workspace's currency set by its admins
on /admin/currency, and the pages that show money and numbers."""

from __future__ import annotations

import html
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session, col, select

from app.audit.chain import GLOBAL_CHAIN
from app.kit import moments, numbers
from app.models import AuditEvent, User, Workspace
from tests.conftest import CSRF, QueryCounter
from tests.factories import PASSWORD, World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_admin import _codes, _events, _form, _scene, _send
from tests.test_opportunities import form_data, live, make, row_of, url
from tests.testclient import TestClient

NNBSP, NBSP = "\u202f", "\u00a0"  # CLDR's narrow no-break space (French grouping), no-break

# --- The kit --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "whole", "one_decimal", "euros", "dollars"),
    [
        ("en-GB", "1,234,567", "1,234.5", "€10,000", "US$1,234"),
        ("en-US", "1,234,567", "1,234.5", "€10,000", "$1,234"),
        ("de-DE", "1.234.567", "1.234,5", f"10.000{NBSP}€", f"1.234{NBSP}$"),
        ("fr-FR", f"1{NNBSP}234{NNBSP}567", f"1{NNBSP}234,5", f"10{NNBSP}000{NBSP}€", None),
        ("nl-NL", "1.234.567", "1.234,5", f"€{NBSP}10.000", f"US${NBSP}1.234"),
        ("es-ES", "1.234.567", "1.234,5", f"10.000{NBSP}€", f"1.234{NBSP}US$"),
    ],
)
def test_numbers_and_money_as_each_offered_locale_writes_them(
    locale: str, whole: str, one_decimal: str, euros: str, dollars: str | None
) -> None:
    assert numbers.number(1_234_567, locale) == whole
    assert numbers.decimal(1234.5, locale) == one_decimal
    assert numbers.money(10_000, "EUR", locale) == euros
    if dollars is not None:
        assert numbers.money(1234, "USD", locale) == dollars


def test_money_is_whole_unless_asked_and_rounds_exact_fractions() -> None:
    assert numbers.money(Decimal("1234.56"), "EUR", "en-GB") == "€1,235"
    assert numbers.money(Fraction(25, 2), "EUR", "en-GB", places=1) == "€12.5"
    assert numbers.money(Fraction(25, 2), "EUR", "de-DE", places=1) == f"12,5{NBSP}€"
    assert numbers.money(-1234, "EUR", "en-GB") == "-€1,234"
    assert numbers.money(1234, "JPY", "en-US") == "¥1,234"
    # An unknown currency or locale falls back to the defaults rather than failing a page.
    assert numbers.money(5, "XXX", "xx-XX") == "€5"
    assert numbers.number(Fraction(7, 2), "en-GB") == "4"  # half to even
    assert numbers.decimal(Fraction(7, 3), "de-DE") == "2,3"
    assert numbers.decimal(3, "en-GB", places=0) == "3"


def test_percentages_and_days() -> None:
    assert numbers.percent(0.25, "en-GB") == "25%"
    assert numbers.percent(0.25, "de-DE") == f"25{NBSP}%"
    assert numbers.percent(0.25, "fr-FR") == f"25{NBSP}%"
    day = date(2026, 12, 3)
    assert numbers.date(day, "en-GB") == "3 Dec 2026"
    assert numbers.date(day, "en-US") == "Dec 3, 2026"
    assert numbers.date(day, "de-DE") == "03.12.2026"
    assert numbers.date(day, "fr-FR") == "3 déc. 2026"
    assert numbers.date(day, "") == "3 Dec 2026"  # no locale yet: the default's
    assert numbers.date(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), "nl-NL") == "3 dec 2026"


def test_the_exact_time_and_far_days_follow_the_locale() -> None:
    at = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
    paris = ZoneInfo("Europe/Paris")
    assert moments.exact(at, paris) == "3 Dec 2026, 14:05 CET"  # the default, as before
    assert moments.exact(at, paris, "de-DE") == "03.12.2026, 14:05 CET"
    assert moments.exact(at, paris, "en-US") == f"Dec 3, 2026, 2:05{NNBSP}PM CET"
    later = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
    assert moments.relative(at, paris, now=later, locale="de-DE") == "on 03.12.2026"
    element = str(moments.time_element(at, paris, now=later, locale="en-US"))
    assert ">on Dec 3, 2026<" in element
    assert "(Dec 3, 2026, 2:05" in element


def test_days_and_times_of_day_are_written_as_babel_writes_them_in_every_locale() -> None:
    """They are formatted once per day or minute and kept: the kept text is Babel's for the
    moment itself, in every offered locale, across a change of summer time, and the time
    element escapes what it is given."""
    from datetime import timedelta

    from babel.dates import format_date, format_time

    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 7, 22, 0, tzinfo=UTC).astimezone(new_york)
    for locale in numbers.LOCALES:
        babel = numbers._babel(locale)
        for minutes in range(0, 36 * 60, 37):
            at = (start + timedelta(minutes=minutes)).astimezone(new_york)
            assert numbers.clock_time(at, locale) == format_time(at, "short", locale=babel)
            assert numbers.date(at, locale) == format_date(at.date(), "medium", locale=babel)
    element = str(moments.time_element(start, new_york, locale="en-US"))
    assert element.startswith('<time datetime="2026-03-07T22:00:00+00:00" title="Mar 7, 2026, ')
    assert element.count("EST") == 2
    assert "<" not in html.unescape(element.split('title="')[1].split('"')[0])


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de-DE"),
        ("de-AT", "de-DE"),  # the language when the region is not offered
        ("en-US,en;q=0.9", "en-US"),
        ("en", "en-GB"),  # the first offered of the language
        ("ja,fr;q=0.5,nl;q=0.7", "nl-NL"),  # by weight, not by order
        ("fr;q=0,es", "es-ES"),  # q=0 refuses a language
        ("FR_fr", "fr-FR"),
        ("ja, zh-CN", None),
        ("", None),
        ("de;q=abc, en-US", "en-US"),  # a broken weight skips that language
    ],
)
def test_the_browsers_preferred_offered_locale(header: str, chosen: str | None) -> None:
    assert numbers.best_match(header) == chosen


# --- Adopted at the first sign-in -----------------------------------------------------------


def _reload(session: Session, model: type[User] | type[Workspace], id_: int | None) -> object:
    session.expire_all()  # the requests changed rows through their own sessions
    return session.get(model, id_)


def _events_of(session: Session, verb: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.seq))
        ).all()
    )


def _login(client: TestClient, email: str, language: str) -> httpx.Response:
    return client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": CSRF},
        headers={"Accept-Language": language},
    )


@pytest.mark.usefixtures("fast_hashing")
def test_the_first_sign_in_adopts_the_browsers_locale_and_later_ones_keep_it(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    assert lead.locale == ""
    assert _login(client, lead.email, "de-CH,de;q=0.9,en;q=0.5").status_code == 303
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.locale == "de-DE"
    [event] = _events_of(session, "auth.signed_in")
    assert event.changes["locale"] == ["", "de-DE"]
    assert event.chain == GLOBAL_CHAIN
    # A later sign-in from a French browser changes nothing: the person chose on /me or not.
    other = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    other.cookies.set("jp_csrf", CSRF)
    assert _login(other, lead.email, "fr-FR").status_code == 303
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.locale == "de-DE"
    second = _events_of(session, "auth.signed_in")[-1]
    assert "locale" not in second.changes
    assert _events_of(session, "user.locale_changed") == []


@pytest.mark.usefixtures("fast_hashing")
def test_a_browser_with_no_offered_language_gets_the_default(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    assert _login(client, lead.email, "ja-JP").status_code == 303
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.locale == numbers.DEFAULT_LOCALE
    assert _events_of(session, "auth.signed_in")[-1].changes["locale"] == ["", "en-GB"]


# --- Chosen on /me ----------------------------------------------------------------------------


def test_a_person_chooses_their_locale_on_their_profile_audited(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    sign_in(client, session, lead)
    page = client.get("/me")
    assert page.status_code == 200
    assert '<option value="en-GB" selected>' in page.text  # none yet: the default's
    assert '<option value="de-DE">' in page.text
    assert "Now: 1,234.5 and" in page.text

    response = client.post("/me/locale", data={"locale": "de-DE", "csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == "/me#locale"
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.locale == "de-DE"
    [event] = _events_of(session, "user.locale_changed")
    assert (event.chain, event.account_id, event.actor_id) == (GLOBAL_CHAIN, None, lead.id)
    assert event.changes == {"locale": ["", "de-DE"]}
    followed = client.get("/me")
    assert "written for you as in Deutsch (Deutschland)" in html.unescape(followed.text)
    assert '<option value="de-DE" selected>' in followed.text
    assert "Now: 1.234,5 and" in followed.text

    # The same locale again writes nothing.
    again = client.post("/me/locale", data={"locale": "de-DE", "csrf_token": CSRF})
    assert again.status_code == 303
    assert len(_events_of(session, "user.locale_changed")) == 1


@pytest.mark.parametrize("typed", ["tlh-QO", "de_DE", ""])
def test_an_unknown_locale_is_refused_with_the_choice_kept(
    client: TestClient, session: Session, world: World, typed: str
) -> None:
    lead = world.members["lead"]
    sign_in(client, session, lead)
    response = client.post("/me/locale", data={"locale": typed, "csrf_token": CSRF})
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert 'aria-invalid="true"' in response.text
    if typed:
        assert f"“{typed}” is not a locale Jointplan offers" in text
        assert f'<option value="{typed}" selected>{typed} (not offered)' in text
    else:
        assert "Choose how numbers and dates are written for you from the list." in text
    saved = _reload(session, User, lead.id)
    assert isinstance(saved, User)
    assert saved.locale == ""
    assert _events_of(session, "user.locale_changed") == []


def test_choosing_a_locale_needs_the_csrf_token(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post("/me/locale", data={"locale": "de-DE"})
    assert response.status_code == 403
    assert _events_of(session, "user.locale_changed") == []


# --- The workspace's currency -----------------------------------------------------------------


def test_the_admin_sets_the_workspaces_currency_audited_and_refused_codes_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    page = client.get("/admin/currency")
    assert page.status_code == 200
    assert '<option value="EUR" selected>EUR · Euro</option>' in page.text
    assert "e.g. €10,000" in page.text

    for typed, message in [
        ("", "Choose the workspace&#39;s currency from the list."),
        ("BTC", "“BTC” is not a currency Jointplan offers"),
    ]:
        refused = client.post("/admin/currency", data={"currency": typed, "csrf_token": CSRF})
        assert refused.status_code == 422
        assert message in refused.text
        if typed:
            assert f'<option value="{typed}" selected>{typed} (not offered)' in refused.text
    assert _events_of(session, "workspace.currency_changed") == []

    response = client.post("/admin/currency", data={"currency": "usd", "csrf_token": CSRF})
    assert response.status_code == 303
    saved = _reload(session, Workspace, world.workspace.id)
    assert isinstance(saved, Workspace)
    assert saved.currency == "USD"
    [event] = _events_of(session, "workspace.currency_changed")
    assert (event.chain, event.item_id) == (GLOBAL_CHAIN, str(world.workspace.id))
    assert event.changes == {"currency": ["EUR", "USD"]}
    followed = client.get("/admin/currency")
    assert "The workspace&#39;s currency is now US Dollar (USD)" in followed.text
    assert "e.g. US$10,000" in followed.text
    # Saving it again writes nothing.
    client.post("/admin/currency", data={"currency": "USD", "csrf_token": CSRF})
    assert len(_events_of(session, "workspace.currency_changed")) == 1


def test_setting_the_currency_needs_the_csrf_token_and_a_workspace_admin(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    assert client.post("/admin/currency", data={"currency": "USD"}).status_code == 403
    team = TestClient(client.app, base_url="http://testserver")
    sign_in(team, session, world.members["lead"])
    refused = team.post("/admin/currency", data={"currency": "USD", "csrf_token": CSRF})
    assert refused.status_code in (403, 404)
    assert _events_of(session, "workspace.currency_changed") == []


# --- Pages --------------------------------------------------------------------------------------


def _german(session: Session, user: User) -> None:
    user.locale = "de-DE"
    session.add(user)
    session.commit()


def test_a_german_reader_sees_german_numbers_in_the_workspaces_currency(
    client: TestClient, session: Session, world: World
) -> None:
    make(session, world, "Quick win", size=1_250_000, days=1500, rating=5)
    lead = world.members["lead"]
    sign_in(client, session, lead)
    english = row_of(client.get(url(world)).text, "Quick win")
    assert "€1,250,000" in english
    assert ">1,500<" in english

    _german(session, lead)
    page = client.get(url(world)).text
    german = row_of(page, "Quick win")
    assert f"1.250.000{NBSP}€" in german
    assert ">1.500<" in german  # days
    assert ">5,0<" in german  # fit
    assert "1,250,000" not in page

    world.workspace.currency = "USD"
    session.add(world.workspace)
    session.commit()
    assert f"1.250.000{NBSP}$" in row_of(client.get(url(world)).text, "Quick win")


def test_a_german_reader_types_and_reads_sizes_grouped_as_in_german(
    client: TestClient, session: Session, world: World
) -> None:
    made = make(session, world, "Telematics", size=1_250_000)
    lead = world.members["lead"]
    _german(session, lead)
    sign_in(client, session, lead)
    form = client.get(url(world, f"/{made.id}/edit"))
    assert 'value="1.250.000"' in form.text
    assert "in the workspace&#39;s currency (EUR)" in form.text
    saved = client.post(
        url(world, f"/{made.id}"),
        data=form_data(size="2.500.000", version="1", csrf_token=CSRF),
    )
    assert saved.status_code == 303
    (opportunity,) = live(session, world)
    assert opportunity.size == 2_500_000
    # A comma-grouped size is still understood; a German decimal is refused as before.
    added = client.post(url(world), data=form_data(size="120,000", csrf_token=CSRF))
    assert added.status_code == 303
    refused = client.post(url(world), data=form_data(size="12,5", csrf_token=CSRF))
    assert refused.status_code == 422
    assert 'value="12,5"' in refused.text


def test_a_page_in_another_locale_runs_no_more_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    make(session, world, "Quick win", size=50_000, days=5)
    lead = world.members["lead"]
    sign_in(client, session, lead)
    pages = [url(world), "/me", f"/accounts/{world.account.id}/scorecard"]
    counts = []
    for locale in ("", "fr-FR"):
        lead.locale = locale
        session.add(lead)
        session.commit()
        for page in pages:
            client.get(page)
            count_queries.statements.clear()
            assert client.get(page).status_code == 200
            counts.append(count_queries.count)
    assert counts[: len(pages)] == counts[len(pages) :]


# --- At the same moment -----------------------------------------------------------------------

CURRENCIES = ("USD", "GBP", "CHF", "SEK", "JPY")


def test_simultaneous_saves_of_the_currency_are_audited_one_after_another(
    live_server: LiveServer,
) -> None:
    """Six admins save the currency at once (two the same): each change is audited with the
    currency it really replaced (the workspace's row lock), a repeated one writes nothing."""
    scene = _scene(live_server, 6)
    chosen = [*CURRENCIES, CURRENCIES[0]]

    def save(c: httpx.Client, i: int) -> httpx.Response:
        return c.post("/admin/currency", data=_form({"currency": chosen[i]}))

    assert _codes(_send(live_server, scene.admins, save)) == [303] * 6
    steps = [tuple(e.changes["currency"]) for e in _events(live_server, CURRENCY_CHANGED)]
    assert steps[0][0] == "EUR"
    for (_, new), (old, _) in itertools.pairwise(steps):
        assert old == new
    assert {new for _, new in steps} == set(CURRENCIES)
    assert len(steps) in (5, 6)
    with Session(live_server.db.engine) as session:
        workspace = session.get(Workspace, scene.workspace_id)
        assert workspace is not None
        assert workspace.currency == steps[-1][1]


def test_simultaneous_saves_of_ones_locale_are_audited_one_after_another(
    live_server: LiveServer,
) -> None:
    """One person saves their locale from five sessions at once: one audit event per change,
    each naming the locale it really replaced (the person's row lock)."""
    scene = _scene(live_server, 1)
    person = scene.admins[0]
    chosen = ["de-DE", "fr-FR", "nl-NL", "es-ES", "en-US"]

    def save(c: httpx.Client, i: int) -> httpx.Response:
        return c.post("/me/locale", data=_form({"locale": chosen[i]}))

    assert _codes(_send(live_server, [person] * 5, save)) == [303] * 5
    steps = [tuple(e.changes["locale"]) for e in _events(live_server, "user.locale_changed")]
    assert len(steps) == 5
    assert steps[0][0] == ""
    for (_, new), (old, _) in itertools.pairwise(steps):
        assert old == new
    with Session(live_server.db.engine) as session:
        saved = session.get(User, person.id)
        assert saved is not None
        assert saved.locale == steps[-1][1]


CURRENCY_CHANGED = "workspace.currency_changed"


def test_the_filters_read_the_readers_locale_and_currency(client: TestClient) -> None:
    """Every filter of the page templates, for a reader and for no one (an e-mail, a page
    rendered before sign-in: the defaults)."""
    env = client.app.state.templates.env  # type: ignore[attr-defined]
    source = (
        "{{ n | number }}|{{ x | decimal }}|{{ m | money }}|{{ s | percent }}|"
        "{{ none | percent }}|{{ d | date }}|{{ d | date_text }}|{{ at | exact }}"
    )
    values = {
        "n": 1234567,
        "x": 1234.5,
        "m": 10_000,
        "s": 0.5,
        "d": date(2026, 12, 3),
        "at": datetime(2026, 12, 3, 13, 5, tzinfo=UTC),
    }
    german = SimpleNamespace(locale="de-DE", currency="USD", zone=ZoneInfo("Europe/Berlin"))
    assert env.from_string(source).render(actor=german, **values).split("|") == [
        "1.234.567",
        "1.234,5",
        f"10.000{NBSP}$",
        f"50{NBSP}%",
        "—",
        '<time datetime="2026-12-03">03.12.2026</time>',
        "03.12.2026",
        "03.12.2026, 14:05 CET",
    ]
    assert env.from_string(source).render(actor=None, **values).split("|") == [
        "1,234,567",
        "1,234.5",
        "€10,000",
        "50%",
        "—",
        '<time datetime="2026-12-03">3 Dec 2026</time>',
        "3 Dec 2026",
        "3 Dec 2026, 13:05 UTC",
    ]
