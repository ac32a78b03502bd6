"""No internal item reaches a client user (DESIGN.md §2, §8).

A realistic plan holds shared content and internal content; every text field of the internal
content carries a unique marker (``MARKER`` plus a suffix naming the field): a draft initiative
linked to a client priority and edited once, the draft past of an initiative proposed later,
team-only comments (one @mentioning the client sponsor and member, who must not hear of it),
comments on the draft, believed priorities with hypotheses and a believed rating with a note.
Two agreement versions are frozen while the draft exists.

Then, signed in as each client role, the test fetches every GET route of the app (collected from
the router, so a new page is covered as soon as it exists), with path parameters filled from the
own account's real ids (the internal items' ids too: those must answer 403 or 404), with and
without ``HX-Request``; every thread partial, every audit page, the changes, versions and compare
pages, the inbox, "my actions"; and the partials that POSTs return to a client. In every answer:

- the marker never appears (body and headers);
- no internal item's id appears in an id, a URL or an audit row (``initiative-<draft id>``,
  ``/initiatives/<draft id>``, ``comment-<team-only comment id>``, ``belief-<id>``, ...), and the
  only initiatives and comments rendered are shared ones;
- every "Comments (N)" shows the number of shared comments, every thread lists exactly them;
- the audit pages list exactly the shared events.

Then no client person has a notification or an e-mail with the marker or pointing at an internal
item, and no frozen version's snapshot holds the marker.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from app.accounts import repository as accounts_repo
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.agreement import service as agreement
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeForm
from app.models import (
    DEFAULT_VALUE_DIMENSIONS,
    Action,
    AuditEvent,
    Comment,
    CommentTarget,
    Initiative,
    InitiativeStatus,
    Notification,
    OutboxMessage,
    PlanVersion,
    Priority,
    StrategyKind,
    User,
    Visibility,
)
from app.perception import service as perception
from app.perception.schemas import BeliefForm
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityForm
from app.strategy import service as strategy
from app.strategy.schemas import StrategyForm
from app.value import service as value
from tests.conftest import CSRF
from tests.factories import World, sign_in
from tests.test_authorization_matrix import routes_of

MARKER = "zq-internal-7f3a"
CLIENT_ROLES = ("sponsor", "member", "viewer")
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
BASE_URL = "http://testserver"
# How the pages name an internal item next to its id (ids, URLs, thread keys, audit rows).
ID_WORDS = {
    "initiative": r"initiatives?|answer-reason",
    "comment": r"comments?|edit-body",
    "belief": r"beliefs?|perceived_priority",
    "perceived_rating": r"perceived_rating",
}
COUNT = re.compile(r'id="comment-count-([\w-]+)"[^>]*>\s*(\d+)\s*<')
RENDERED = {
    "initiative": re.compile(r'id="initiative-(\d+)"'),
    "comment": re.compile(r'id="comment-(\d+)"'),
}


class Response(Protocol):
    """What the checks read of an answer (the test client's response, whichever httpx)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


Form = Mapping[str, str | list[str]]
Versioned = TypeVar("Versioned", Priority, Initiative, Action)


def _id(row: object) -> int:
    found = getattr(row, "id", None)
    assert isinstance(found, int)
    return found


@dataclass
class Planted:
    """The plan's ids: what a client may see, and the internal items it must never learn of."""

    account_id: int
    plan_id: int
    shared: dict[str, list[int]] = field(default_factory=dict)  # path parameter -> ids
    internal: dict[str, list[int]] = field(default_factory=dict)  # ID_WORDS key -> ids
    internal_params: dict[str, list[int]] = field(default_factory=dict)  # path parameter -> ids
    threads: list[str] = field(default_factory=list)  # shared thread paths
    internal_threads: list[str] = field(default_factory=list)
    comment_ids: dict[str, set[int]] = field(default_factory=dict)  # thread key -> shared ids
    shared_comment_count: Counter[str] = field(default_factory=Counter)  # thread key -> live

    def thread(self, item_type: str, item_id: int, section: str = "") -> str:
        query = f"?section={section}" if section else ""
        return f"/accounts/{self.account_id}/threads/{item_type}/{item_id}{query}"


# --------------------------------------------------------------------------------------------
# The plan: shared content, and internal content carrying the marker in every text field
# --------------------------------------------------------------------------------------------


def build_plan(session: Session, world: World) -> Planted:
    account = world.account
    m = world.members
    lead, team, sponsor, member = m["lead"], m["team"], m["sponsor"], m["member"]
    plan = plans_repo.current(session, account_id=_id(account))
    assert plan is not None
    planted = Planted(account_id=_id(account), plan_id=_id(plan))
    shared, internal = planted.shared, planted.internal
    people = [ms.user for ms in accounts_repo.list_members(session, account_id=_id(account))]

    # The client's strategy, priorities and value rating.
    entries = [
        strategy.create(
            session,
            actor=sponsor,
            plan=plan,
            form=StrategyForm(kind=kind, text=text, horizon=horizon),
        )
        for kind, text, horizon in (
            ("goal", "Double revenue in southern Europe", "next"),
            ("driver", "Customers expect same-day delivery", ""),
            ("challenge", "Onboarding new shops takes six weeks", ""),
        )
    ]
    shared["entry_id"] = [_id(e) for e in entries]
    ranked = [
        priorities.create(
            session,
            actor=sponsor,
            plan=plan,
            form=PriorityForm(title=title, description=text),
            owner_id=_id(owner),
        )
        for title, text, owner in (
            ("Grow in Spain", "Open 40 shops by Q4", sponsor),
            ("Cut onboarding time", "From six weeks to two", member),
            ("Fewer support tickets", "Half of today's volume", sponsor),
        )
    ]
    p1, p2, p3 = ranked
    rating = value.rate(
        session,
        actor=sponsor,
        account=account,
        plan=plan,
        overall=6,
        scores=dict.fromkeys(DEFAULT_VALUE_DIMENSIONS, 6),
        comment="Responsive, but we need more ideas from you",
        base_url=BASE_URL,
    )

    # Shared initiatives: one waiting for an answer, one accepted, one parked.
    def shared_initiative(title: str, links: list[int], answer: InitiativeStatus | None) -> int:
        made = initiatives.create(
            session,
            actor=lead,
            plan=plan,
            form=InitiativeForm(title=title, description=f"{title}, in detail"),
            owner_id=_id(lead),
            priority_ids=links,
        )
        initiatives.propose(
            session, actor=lead, initiative=made, expected_version=made.version, base_url=BASE_URL
        )
        if answer is not None:
            initiatives.answer(
                session,
                actor=sponsor,
                initiative=made,
                status=answer,
                reason="Agreed in the steering meeting",
                expected_version=made.version,
                base_url=BASE_URL,
            )
        return _id(made)

    proposed = shared_initiative("Spanish onboarding pilot", [_id(p1)], None)
    accepted = shared_initiative("Self-service shop set-up", [_id(p2)], InitiativeStatus.ACCEPTED)
    parked = shared_initiative("Support chatbot", [_id(p3)], InitiativeStatus.PARKED)

    # The draft (internal): every text field marked, linked to a priority, edited once.
    draft = initiatives.create(
        session,
        actor=lead,
        plan=plan,
        form=InitiativeForm(
            title=f"{MARKER}-draft-title",
            description=f"{MARKER}-draft-description",
            value_for_client=f"{MARKER}-draft-value-for-client",
            value_for_vendor=f"{MARKER}-draft-value-for-vendor",
        ),
        owner_id=_id(team),
        priority_ids=[_id(p1)],
    )
    initiatives.update(
        session,
        actor=team,
        initiative=draft,
        form=InitiativeForm(
            title=f"{MARKER}-draft-title-edited",
            description=f"{MARKER}-draft-description-edited",
            value_for_client=f"{MARKER}-draft-value-for-client-edited",
            value_for_vendor=f"{MARKER}-draft-value-for-vendor-edited",
        ),
        owner_id=_id(team),
        priority_ids=[_id(p1), _id(p2)],
        expected_version=draft.version,
    )
    # An initiative whose draft past (title, text, a comment) is internal, proposed later.
    later = initiatives.create(
        session,
        actor=team,
        plan=plan,
        form=InitiativeForm(
            title=f"{MARKER}-predraft-title",
            description=f"{MARKER}-predraft-description",
            value_for_vendor=f"{MARKER}-predraft-value-for-vendor",
        ),
        owner_id=_id(team),
        priority_ids=[_id(p3)],
    )

    def target(item_type: str, item_id: int, section: str = "") -> comments_repo.ThreadTarget:
        found = comments_repo.find_target(
            session,
            account_id=_id(account),
            item_type=item_type,
            item_id=item_id,
            section=section,
        )
        assert found is not None
        return found

    def comment(
        author: User, where: comments_repo.ThreadTarget, body: str, *, team_only: bool = False
    ) -> Comment:
        return comments.add(
            session,
            actor=author,
            target=where,
            body=body,
            team_only=team_only,
            people=people,
            base_url=BASE_URL,
        )

    comment(team, target("initiative", _id(later)), f"{MARKER}-predraft-comment @Client sponsor")
    initiatives.update(
        session,
        actor=team,
        initiative=later,
        form=InitiativeForm(title="Faster shop approvals", description="Approve shops in a day"),
        owner_id=_id(team),
        priority_ids=[_id(p3)],
        expected_version=later.version,
    )
    initiatives.propose(
        session, actor=lead, initiative=later, expected_version=later.version, base_url=BASE_URL
    )
    shared["initiative_id"] = [proposed, accepted, parked, _id(later)]
    internal["initiative"] = [_id(draft)]
    planted.internal_params["initiative_id"] = [_id(draft)]

    # Joint actions: one serving a priority, one an accepted initiative.
    action_rows = [
        actions.create(
            session,
            actor=actor,
            plan=plan,
            checked=CheckedAction(title, "", _id(owner), None, "not_started", link),
            base_url=BASE_URL,
        )
        for actor, title, owner, link in (
            (member, "Book the Madrid workshop", sponsor, Link(priority_id=_id(p1))),
            (lead, "Demo the set-up wizard", member, Link(initiative_id=accepted)),
        )
    ]
    shared["action_id"] = [_id(a) for a in action_rows]

    # Comments: shared ones on every kind of item, team-only ones next to them.
    sections = [kind.value for kind in StrategyKind]
    shared_targets = (
        [target("priority", _id(p)) for p in ranked]
        + [target("initiative", i) for i in shared["initiative_id"]]
        + [target("action", _id(a)) for a in action_rows]
        + [target("rating", _id(rating))]
        + [target("strategy", _id(plan), kind) for kind in sections]
    )
    comment(member, shared_targets[0], "Could we start in Q2? @Account lead")
    comment(sponsor, target("initiative", proposed), "Which shops would go first?")
    comment(lead, target("action", _id(action_rows[0])), "Room booked. @Client sponsor")
    comment(member, target("rating", _id(rating)), "Mostly about the Q1 delays")
    comment(sponsor, target("strategy", _id(plan), "driver"), "This drives everything else")
    team_only = [
        comment(lead, target(item_type, item_id, section), body, team_only=True)
        for item_type, item_id, section, body in (
            ("priority", _id(p1), "", f"{MARKER}-team-priority"),
            ("initiative", proposed, "", f"{MARKER}-team-proposed"),
            (
                "priority",
                _id(p2),
                "",
                f"{MARKER}-team-mention @Client sponsor and @Client member, see @Team member",
            ),
            ("action", _id(action_rows[0]), "", f"{MARKER}-team-action"),
            ("rating", _id(rating), "", f"{MARKER}-team-rating"),
            ("strategy", _id(plan), "goal", f"{MARKER}-team-goal"),
        )
    ]
    edited = team_only[1]
    comments.edit(
        session,
        actor=lead,
        comment=edited,
        target=target("initiative", proposed),
        body=f"{MARKER}-team-proposed-edited @Client member",
        expected_version=edited.version,
        people=people,
        base_url=BASE_URL,
    )
    on_draft = target("initiative", _id(draft))
    comment(lead, on_draft, f"{MARKER}-draft-comment-lead @Team member")
    comment(team, on_draft, f"{MARKER}-draft-comment-team @Client sponsor @Client viewer")

    # The perception gap: believed priorities with hypotheses, a believed rating with a note.
    beliefs = [
        perception.add_belief(
            session,
            actor=actor,
            plan=plan,
            form=BeliefForm(title=f"{MARKER}-belief-{n}", hypothesis=f"{MARKER}-hypothesis-{n}"),
            priority_id=linked,
        )
        for n, actor, linked in ((1, lead, _id(p1)), (2, team, None))
    ]
    internal["belief"] = [_id(b) for b in beliefs]
    planted.internal_params["belief_id"] = internal["belief"]
    believed = perception.record_rating(
        session,
        actor=lead,
        plan=plan,
        overall=8,
        scores=dict.fromkeys(DEFAULT_VALUE_DIMENSIONS, 7),
        note=f"{MARKER}-believed-rating-note",
    )
    internal["perceived_rating"] = [_id(believed)]

    # Two agreed versions, frozen while the draft exists; then the plan changes again.
    versions: list[int] = []
    for title in ("Train the shop staff", "Localise the app"):
        agreement.submit(session, actor=lead, plan=plan, base_url=BASE_URL)
        agreement.approve(
            session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR, base_url=BASE_URL
        )
        frozen = agreement.approve(
            session, actor=lead, plan=plan, slot=agreement.Slot.LEAD, base_url=BASE_URL
        ).version
        assert frozen is not None
        versions.append(_id(frozen))
        ranked.append(
            priorities.create(
                session, actor=member, plan=plan, form=PriorityForm(title=title), owner_id=None
            )
        )
        shared_targets.append(target("priority", _id(ranked[-1])))
    shared["version_id"] = versions
    shared["priority_id"] = [_id(p) for p in ranked]
    suggestions = [
        priorities.suggest(
            session, actor=lead, plan=plan, form=PriorityForm(title=title), base_url=BASE_URL
        )
        for title in ("Partner with logistics firms", "Loyalty programme")
    ]
    shared["suggestion_id"] = [_id(s) for s in suggestions]

    internal["comment"] = sorted(
        _id(c)
        for c in session.exec(
            select(Comment)
            .where(Comment.account_id == _id(account))
            .where(Comment.visibility == Visibility.INTERNAL)
        )
    )
    planted.threads = [t.path for t in shared_targets]
    planted.internal_threads = [on_draft.path]
    for c in session.exec(
        select(Comment)
        .where(Comment.account_id == _id(account))
        .where(Comment.visibility == Visibility.SHARED)
    ):
        key = _thread_key(c)
        planted.comment_ids.setdefault(key, set()).add(_id(c))
        if c.deleted_at is None:
            planted.shared_comment_count[key] += 1
    for t in shared_targets:
        planted.comment_ids.setdefault(t.key, set())
    session.commit()
    return planted


def _thread_key(c: Comment) -> str:
    for kind in CommentTarget:
        item = getattr(c, kind.value)
        if item is not None:
            name = comments_repo.TYPE_OF[kind]
            return f"strategy-{item}" if name == "strategy" else f"{name}-{item}"
    raise AssertionError(f"comment {c.id} hangs on nothing")


# --------------------------------------------------------------------------------------------
# Checking one answer
# --------------------------------------------------------------------------------------------


class Leaks:
    """Every problem found, so one run reports them all."""

    def __init__(self, planted: Planted) -> None:
        self.planted = planted
        self.problems: list[str] = []
        self.checked = 0
        words = "|".join(
            rf"\b(?:{ID_WORDS[kind]})(?:[-/: _=]|%3A|_id=)+(?:{'|'.join(map(str, ids))})(?!\d)"
            for kind, ids in planted.internal.items()
            if ids
        )
        self.internal_ids = re.compile(words)

    def text(self, where: str, text: str) -> None:
        """No marker, no internal item's id."""
        if MARKER in text:
            at = text.index(MARKER)
            self.problems.append(f"{where}: marker in …{text[max(0, at - 120) : at + 60]!r}")
        for found in self.internal_ids.finditer(text):
            self.problems.append(f"{where}: internal id in {found.group(0)!r}")

    def response(self, where: str, response: Response) -> None:
        self.checked += 1
        body = response.text
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code}")
        self.text(where, body + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items()))
        for key, shown in COUNT.findall(body):
            expected = self.planted.shared_comment_count.get(key, 0)
            if int(shown) != expected:
                self.problems.append(f"{where}: Comments ({shown}) of {key}, expected {expected}")
        shared_initiatives = set(self.planted.shared["initiative_id"])
        for found in RENDERED["initiative"].findall(body):
            if int(found) not in shared_initiatives:
                self.problems.append(f"{where}: renders initiative {found}")
        shared_comments = set().union(*self.planted.comment_ids.values())
        for found in RENDERED["comment"].findall(body):
            if int(found) not in shared_comments:
                self.problems.append(f"{where}: renders comment {found}")

    def refused(self, where: str, response: Response) -> None:
        """An internal item's URL: refused like a missing id, and says nothing."""
        self.response(where, response)
        if response.status_code not in (403, 404):
            self.problems.append(f"{where}: {response.status_code}, expected 403 or 404")

    def thread(self, where: str, response: Response, key: str) -> None:
        """A thread lists exactly its shared comments."""
        self.response(where, response)
        if response.status_code == 200:
            shown = {int(i) for i in RENDERED["comment"].findall(response.text)}
            expected = self.planted.comment_ids.get(key, set())
            if shown != expected:
                self.problems.append(f"{where}: thread shows {sorted(shown)}, {sorted(expected)}")

    def assert_none(self) -> None:
        assert not self.problems, f"{len(self.problems)} leaks:\n" + "\n".join(self.problems)


# --------------------------------------------------------------------------------------------
# The URLs
# --------------------------------------------------------------------------------------------

PARAM = re.compile(r"\{(\w+)\}")


def get_routes(app: FastAPI) -> list[str]:
    return sorted(path for method, path in routes_of(app.routes) if method == "GET")


def fill(path: str, values: Mapping[str, Sequence[int | str]]) -> list[str]:
    """Every combination of ``values`` for the route's parameters (none: the route is skipped)."""
    names = PARAM.findall(path)
    if any(not values.get(name) for name in names):
        return []
    return [
        path.format(**dict(zip(names, combo, strict=True)))
        for combo in itertools.product(*(values[name] for name in names))
    ]


def urls_for(app: FastAPI, planted: Planted) -> tuple[list[str], list[str]]:
    """(URLs with the own account's shared ids, URLs naming an internal item)."""
    fixed: dict[str, Sequence[int | str]] = {
        "account_id": [planted.account_id],
        "token": ["x" * 43],
        "provider_key": ["nosuchprovider"],
    }
    shared: dict[str, Sequence[int | str]] = {**fixed, **planted.shared}
    internal_only: dict[str, Sequence[int | str]] = dict(planted.internal_params)
    open_urls: list[str] = []
    internal_urls: list[str] = []
    for path in get_routes(app):
        if "{target}" in path:  # comment threads: their own list below
            continue
        open_urls += fill(path, shared)
        for name in internal_only:
            if f"{{{name}}}" in path:
                internal_urls += fill(path, shared | {name: internal_only[name]})
    account = f"/accounts/{planted.account_id}"
    first, second = planted.shared["version_id"]
    open_urls += [
        *planted.threads,
        f"{account}/plan/changes?summary=1",
        f"{account}/plan/compare?from={first}&to={second}",
        f"{account}/plan/compare?from={first}&to=current",
        f"{account}/plan/compare?from={second}&to=current",
    ]
    internal_urls += planted.internal_threads
    return sorted(set(open_urls)), sorted(set(internal_urls))


def thread_key(url: str) -> str | None:
    found = re.search(r"/threads/(\w+)/(\d+)(?:\?section=(\w+))?$", url)
    if found is None:
        return None
    item_type, item_id, section = found.groups()
    return f"strategy-{section}" if item_type == "strategy" else f"{item_type}-{item_id}"


# What every client role reads (so a leak check of these pages is never vacuous).
OPEN_TO_CLIENTS = re.compile(
    r"^/(?:inbox|my/actions|me)?$"
    r"|^/accounts/\d+(?:/plan(?:/changes|/versions(?:/\d+)?|/compare)?|/audit|/threads/.*)?"
    r"(?:\?.*)?$"
)


def fetch_everything(client: TestClient, leaks: Leaks, urls: Iterable[str], role: str) -> None:
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            where = f"{role} GET {url}{' (htmx)' if headers else ''}"
            response = client.get(url, headers=headers)
            if OPEN_TO_CLIENTS.match(url) and response.status_code != 200:
                leaks.problems.append(f"{where}: {response.status_code}, expected 200")
            key = thread_key(url)
            if key is not None:
                leaks.thread(where, response, key)
            else:
                leaks.response(where, response)


def check_audit(
    client: TestClient, leaks: Leaks, planted: Planted, session: Session, role: str
) -> None:
    """Every page of the audit trail lists exactly the shared events, none with the marker."""
    rows = 0
    for page in range(1, 100):
        url = f"/accounts/{planted.account_id}/audit?page={page}"
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            leaks.response(f"{role} GET {url}{' (htmx)' if headers else ''}", response)
            assert response.status_code == 200, url
        rows += response.text.count('data-label="When"')
        if "Older events" not in response.text:
            break
    session.expire_all()
    shared = session.exec(
        select(AuditEvent)
        .where(AuditEvent.account_id == planted.account_id)
        .where(AuditEvent.visibility == Visibility.SHARED)
    ).all()
    if rows != len(shared):
        leaks.problems.append(f"{role}: the audit pages list {rows} events, {len(shared)} shared")
    for event in shared:
        leaks.text(
            f"shared audit event {event.verb}", json.dumps(event.changes, ensure_ascii=False)
        )


def check_news(session: Session, leaks: Leaks, world: World) -> None:
    """No client person (the removed one included) has a notification or an e-mail with the
    marker or an internal item's id; the only mention that reached a client is a shared one."""
    session.expire_all()
    clients = [world.members[r] for r in CLIENT_ROLES] + [world.removed]
    ids = [_id(person) for person in clients if person is not None]
    notes = session.exec(select(Notification).where(col(Notification.user_id).in_(ids))).all()
    for note in notes:
        leaks.text(
            f"notification {note.kind} of user {note.user_id}", f"{note.message} {note.link}"
        )
    emails = [person.email for person in clients if person is not None]
    for mail in session.exec(
        select(OutboxMessage).where(col(OutboxMessage.to_address).in_(emails))
    ):
        leaks.text(f"e-mail to {mail.to_address}", f"{mail.subject}\n{mail.body_text}")
    mentioned = {n.user_id for n in notes if n.kind == "mention"}
    if mentioned != {_id(world.members["sponsor"])}:
        leaks.problems.append(f"mentions reached clients {mentioned}, expected the sponsor only")


# --------------------------------------------------------------------------------------------
# POSTs whose answers a client sees (sponsor and member write; the viewer is refused)
# --------------------------------------------------------------------------------------------


def post_as_client(
    client: TestClient, leaks: Leaks, planted: Planted, session: Session, role: str
) -> None:
    account = f"/accounts/{planted.account_id}"
    s = planted.shared
    p1, p2 = s["priority_id"][:2]
    proposed, accepted, _, later = s["initiative_id"]
    draft = planted.internal["initiative"][0]
    writes = role != "viewer"

    def post(url: str, data: Form, expect: int = 200, *, htmx: bool = True) -> Response:
        """``expect``: the status for the sponsor and the member (the viewer gets 403)."""
        response = client.post(url, data=data, headers=HTMX if htmx else {"X-CSRF-Token": CSRF})
        where = f"{role} POST {url}{' (htmx)' if htmx else ''}"
        leaks.response(where, response)
        wanted = expect if writes else 403
        if response.status_code != wanted:
            leaks.problems.append(f"{where}: {response.status_code}, expected {wanted}")
        return response

    def version(model: type[Versioned], item_id: int) -> str:
        """The item's version as saved now."""
        session.expire_all()
        row = session.get(model, item_id)
        assert row is not None
        return str(row.version)

    def add_comment(thread: str, key: str, body: str, *, htmx: bool = True) -> None:
        """Comment; a comment made is shared, so the answer must show and count it."""
        headers = HTMX if htmx else {"X-CSRF-Token": CSRF}
        response = client.post(thread, data={"body": body}, headers=headers)
        if response.status_code != (403 if not writes else 200 if htmx else 303):
            leaks.problems.append(f"{role} POST {thread}: {response.status_code}")
        if response.status_code in (200, 303):
            session.expire_all()
            made = session.exec(
                select(Comment)
                .where(Comment.author_id == _user_id(session, role))
                .order_by(col(Comment.id).desc())
            ).first()
            assert made is not None
            assert made.body == body
            planted.comment_ids.setdefault(key, set()).add(_id(made))
            planted.shared_comment_count[key] += 1
        leaks.thread(f"{role} POST {thread}{' (htmx)' if htmx else ''}", response, key)

    # Comments on threads that hold team-only comments too: add (htmx and not), bad input,
    # edits of one's own (stale, bad, good); each answer shows only shared comments and counts.
    for item_id in (p1, p2):
        add_comment(planted.thread("priority", item_id), f"priority-{item_id}", "A question")
    add_comment(planted.thread("strategy", planted.plan_id, "goal"), "strategy-goal", "Agreed")
    add_comment(planted.thread("initiative", later), f"initiative-{later}", "Good", htmx=False)
    post(planted.thread("priority", p1), {"body": ""}, 422)
    if writes:
        mine = session.exec(
            select(Comment).where(Comment.author_id == _user_id(session, role))
        ).first()
        assert mine is not None
        edit = f"{account}/comments/{mine.id}/edit"
        post(edit, {"body": "Edited", "version": str(mine.version + 5)}, 409)
        post(edit, {"body": "", "version": str(mine.version)}, 422)
        post(edit, {"body": "Edited", "version": str(mine.version)})
    # The internal items refuse a client exactly like missing ones.
    for url in (
        planted.thread("initiative", draft),
        f"{account}/initiatives/{draft}/answer",
        *(f"{account}/comments/{c}/edit" for c in planted.internal["comment"][:2]),
        *(f"{account}/comments/{c}/delete" for c in planted.internal["comment"][:2]),
    ):
        data = {"body": "x", "decision": "accept", "version": "1"}
        leaks.refused(f"{role} POST {url}", client.post(url, data=data, headers=HTMX))

    # Answering initiatives: bad input (422), a stale version (409), then real answers.
    answer = f"{account}/initiatives/{proposed}/answer"
    post(answer, {"decision": "decline", "version": version(Initiative, proposed)}, 422)
    post(answer, {"decision": "accept", "reason": "", "version": "0"}, 409)
    post(answer, {"decision": "accept", "reason": "", "version": version(Initiative, proposed)})
    post(
        f"{account}/initiatives/{later}/answer",
        {"decision": "park", "reason": "Next year", "version": version(Initiative, later)},
        303,
        htmx=False,
    )

    # Client-owned sections: priorities, suggestions, strategy, value; and the joint actions.
    fields = {"importance": "high", "horizon": "next"}
    post(f"{account}/priorities", {"title": "Open in Portugal"} | fields)
    post(f"{account}/priorities", {"title": ""} | fields, 422)
    post(f"{account}/priorities/{p2}", {"title": "Cut onboarding", "version": "0"} | fields, 409)
    post(
        f"{account}/priorities/{p2}",
        {"title": "Onboard", "version": version(Priority, p2)} | fields,
        303,  # the edit page's form: back to the plan
    )
    post(f"{account}/priorities/{p2}/move", {"direction": "up"})
    first, second = s["suggestion_id"]
    post(f"{account}/suggestions/{first}/accept", {"version": version(Priority, first)})
    post(f"{account}/suggestions/{second}/reject", {"reason": "", "version": "0"}, 422)
    post(f"{account}/suggestions/{second}/reject", {"reason": "Not now", "version": "1"})
    entry = s["entry_id"][1]
    post(f"{account}/strategy", {"kind": "success", "text": "Every shop live in a day"})
    post(f"{account}/strategy/{entry}", {"text": "Same day", "version": "0"}, 409)
    post(f"{account}/strategy/{entry}/move", {"direction": "up"})
    dims = list(DEFAULT_VALUE_DIMENSIONS)
    post(f"{account}/ratings", {"overall": "7", "dimension": dims, "score": ["7"] * len(dims)})
    post(f"{account}/ratings", {"overall": "11"}, 422)
    action = s["action_id"][0]
    post(f"{account}/actions", {"title": "Visit Seville", "link": f"initiative:{accepted}"})
    post(f"{account}/actions", {"title": "Serve the draft", "link": f"initiative:{draft}"}, 422)
    post(f"{account}/actions/{action}/status", {"status": "done", "version": "0"}, 409)
    post(
        f"{account}/actions/{action}/status",
        {"status": "done", "version": version(Action, action)},
    )
    post(
        f"{account}/actions/{action}",
        {"title": "Madrid", "status": "done", "version": "0"},
        409,
        htmx=False,
    )


def _user_id(session: Session, role: str) -> int:
    user = session.exec(select(User).where(User.email == f"{role}@client.example")).one()
    return _id(user)


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_no_internal_item_reaches_a_client(
    role: str, app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    planted = build_plan(session, world)
    leaks = Leaks(planted)
    sign_in(client, session, world.members[role])

    # The plan really holds the internal content, and the vendor side sees it: the checks
    # below would catch it if it reached a client.
    lead = TestClient(app, base_url=BASE_URL, follow_redirects=False)
    sign_in(lead, session, world.members["lead"])
    for url in (f"/accounts/{planted.account_id}/plan", *planted.internal_threads):
        seen = lead.get(url, headers={"HX-Request": "true"})
        assert seen.status_code == 200, url
        assert MARKER in seen.text, url
    # ... and the team member was told of the lead's mention on the draft, marker and all.
    team_news = session.exec(
        select(Notification).where(Notification.user_id == _id(world.members["team"]))
    ).all()
    assert any(MARKER in n.message for n in team_news)

    open_urls, internal_urls = urls_for(app, planted)
    fetch_everything(client, leaks, open_urls, role)
    for url in internal_urls:
        for headers in ({}, {"HX-Request": "true"}):
            leaks.refused(
                f"{role} GET {url}{' (htmx)' if headers else ''}", client.get(url, headers=headers)
            )
    check_audit(client, leaks, planted, session, role)

    post_as_client(client, leaks, planted, session, role)
    # After the client's changes, everything again (threads, counts and the trail changed).
    fetch_everything(client, leaks, open_urls, role)
    check_audit(client, leaks, planted, session, role)
    check_news(session, leaks, world)
    for version in session.exec(
        select(PlanVersion).where(PlanVersion.account_id == planted.account_id)
    ):
        leaks.text(f"version {version.number}", json.dumps(version.snapshot, ensure_ascii=False))

    leaks.assert_none()
    print(f"{role}: {leaks.checked} answers checked, {len(open_urls)} + {len(internal_urls)} URLs")
    assert leaks.checked > 200
