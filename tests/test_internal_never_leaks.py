"""No internal item reaches a client user (DESIGN.md §2, §4, §8).

A realistic plan holds shared content and internal content; every text field of the internal
content carries a unique marker (``MARKER`` plus a suffix naming the field): a draft initiative
linked to a client priority and edited once, the draft past of an initiative proposed later,
team-only comments (one @mentioning the client sponsor and member, who must not hear of it),
comments on the draft, believed priorities with hypotheses and a believed rating with a note.
Two agreement versions are frozen while the draft exists.

The vendor strategy workspace (issue 4) is planted through its services too, marked likewise:
the workspace's scorecard attributes and a scoring of the account with its notes; profile
sections never sent, one sent then edited, one sent, corrected by the client, the correction
adopted then edited, one sent then withdrawn; people on the relationship map never sent (every
field), people sent for confirmation whose assessments are marked and whose name, title and
manager changed after sending, one sent then taken off the map; opportunities linked to client
priorities; reviews (one signed off by the mentor) and requests to the mentor (one about the
draft). Only what was deliberately sent is clean: the texts as sent, and the client's answers.

Then, signed in as each client role, the test fetches every GET route of the app (collected from
the router, so a new page is covered as soon as it exists), with path parameters filled from the
own account's real ids (the internal items' ids too: those must answer 403 or 404), with and
without ``HX-Request``; every thread partial, every audit page, the changes, versions and compare
pages, the PDFs of the plan and of its versions (read as text), the inbox, "my actions", the validation page; and the answers to the POSTs a client makes
(comments, answers, its own sections, and its answers on the validation page: confirmations,
corrections with and without htmx, bad input, stale versions; the pages redirects lead to too).
In every answer:

- the marker never appears (body and headers);
- no internal item's id appears in an id, a URL or an audit row (``initiative-<draft id>``,
  ``/initiatives/<draft id>``, ``comment-<team-only comment id>``, ``belief-<id>``,
  ``opportunity-<id>``, ``stakeholder-<unsent id>``, ``profile_section <unsent id>``, ...), and
  the only initiatives, comments, sections and people rendered are shared ones;
- every "Comments (N)" shows the number of shared comments, every thread lists exactly them;
  every "N items wait" counts exactly the sent items still waiting;
- the validation page shows exactly the sections and people sent, with the texts as sent, never
  an assessment ("detractor", "economic buyer", "influence", ...) nor who edited them since;
- the audit pages list exactly the shared events; the shared events of the workspace are only
  the sending and the answers, carrying only the fields meant for the client.

A person sent reports to a manager never sent, whose name is marked: the client reads "someone
not shared with you", on the validation page, its partials and the shared audit events alike.

Answering an unsent, withdrawn or removed item is not found (404) like a missing id, and every
vendor write of the workspace (collected from the router) is refused (403) to every client role.
The vendor side does see the marker on the plan, the draft's thread and every workspace page,
so the checks are not vacuous. Then no client person has a notification or an e-mail with the
marker or pointing at an internal item (and the sponsor and member were asked to check what was
sent, so those are read too), and no frozen version's snapshot holds the marker.

Ids: the same shared content is made twice, once with internal items and other accounts' items
made in between; every id a client role reads on every page, partial and answer (ids, anchors,
URLs, htmx targets, form actions, notification links, audit rows) is replaced by its order of
first appearance, and the two views must be the same; no two ids a client sees may be close
(random ids), so no gap between two of them counts what the client does not see.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

import pytest
from fastapi import FastAPI
from icalendar import Calendar
from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.agreement import commitment
from app.agreement import service as agreement
from app.agreement.commitment import CheckedAnswer
from app.apitokens import service as api_tokens
from app.apitokens.schemas import CheckedToken
from app.audit import export as audit_export
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.jointreviews import service as joint_reviews
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.models import (
    DEFAULT_VALUE_DIMENSIONS,
    Action,
    Attitude,
    AuditEvent,
    BuyingRole,
    Comment,
    CommentTarget,
    CommitmentAnswer,
    Delivery,
    Influence,
    Initiative,
    InitiativeStatus,
    Level,
    LinkKind,
    Notification,
    OpportunityStatus,
    OutboxMessage,
    Plan,
    PlannedHours,
    PlanVersion,
    Priority,
    ProfileKind,
    ProfileSection,
    Role,
    ScorecardHalf,
    Stakeholder,
    StakeholderContact,
    StrategyKind,
    Strength,
    Tier,
    TokenScope,
    User,
    Validation,
    Visibility,
    utcnow,
)
from app.notifications import preferences
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityValues
from app.opportunities.scoring import RATINGS
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.profile import repository as profile_repo
from app.profile import service as profile
from app.reminders import jobs
from app.results import service as results
from app.results.schemas import ActualValues, GoalValues
from app.reviews import service as reviews
from app.reviews.schemas import CheckedReview
from app.scorecard import hours as planned_hours
from app.scorecard import objectives as scorecard_objectives
from app.scorecard import service as scorecard
from app.scorecard import treatment as scorecard_treatment
from app.scorecard.hours import quarters_from as planned_quarters
from app.scorecard.objectives import ObjectiveValues
from app.scorecard.schemas import AttributeForm, AttributeValues, CheckedEntry
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import (
    CheckedContact,
    CheckedLink,
    CheckedStakeholder,
    CheckedTension,
)
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.value import service as value
from app.value.schemas import RatingValues
from app.webhooks import service as webhooks
from app.webhooks.dispatcher import WebhookDispatcher
from app.webhooks.kinds import KINDS as WEBHOOK_KINDS
from app.webhooks.schemas import EndpointValues
from tests import pdftext
from tests.conftest import CSRF, RollbackDatabase, default_settings
from tests.factories import World, add_member, attach, make_account, make_user, sign_in
from tests.test_authorization_matrix import APP_ROUTES, routes_of
from tests.testclient import TestClient
from tests.webhook_receiver import receiver

MARKER = "zq-internal-7f3a"
# The account's goals and actuals are figures, not texts: planted as amounts no other figure of
# the test has, looked for as a client's locale (en-GB) writes them, and bare.
MARKED_AMOUNTS = (7_346_193, 6_128_457, 5_917_203, 4_863_271)
_AMOUNTS = re.compile(
    "|".join(rf"(?<![\d,.]){n:,}(?![\d,])|(?<!\d){n}(?!\d)" for n in MARKED_AMOUNTS)
)
CLIENT_ROLES = ("sponsor", "member", "viewer")
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
# How the pages name an internal item next to its id (ids, URLs, thread keys, audit rows).
ID_WORDS = {
    "initiative": r"initiatives?|answer-reason",
    "comment": r"comments?|edit-body",
    "attachment": r"attachments?|files?",
    "belief": r"beliefs?|perceived_priority",
    "perceived_rating": r"perceived_rating",
    # The strategy workspace: never shown to a client, whatever the word.
    "attribute": r"attributes?|s-score|s-note",
    "objective": r"objectives?",
    "planned_hours": r"planned_hours",
    "opportunity": r"opportunit(?:y|ies)",
    "review": r"reviews?|s-comment",
    "mentor_request": r"mentor-requests?|requests?|a-answer",
    "commitment": r"commitments?",
    # People never sent (the sent ones' ids are on the client's validation page and trail).
    "stakeholder": r"stakeholders?|pick",
    # Sent, then taken off the map: the trail keeps its shared events, the page drops it.
    "removed_stakeholder": r"confirm-stakeholder|validation/stakeholders",
    # Profile sections never sent (the sent ones' ids: the validation page and the trail).
    "section": r"profile(?:_section)?",
    # Sent, then withdrawn: the trail keeps its shared events and the client's notification
    # still points at where it was, but no answer form names it (nor does RENDERED).
    "withdrawn_section": r"validation/profile",
    # The team's contacts, the links between people, the tensions between departments.
    "stakeholder_contact": r"contacts?",
    "stakeholder_link": r"links?",
    "department_tension": r"tensions?",
}
COUNT = re.compile(r'id="comment-count-([\w-]+)"[^>]*>\s*(\d+)\s*<')
RENDERED = {
    "initiative": re.compile(r'id="initiative-(\d+)"'),
    "comment": re.compile(r'id="comment-(\d+)"'),
    # What the validation page renders: only the sections and people sent (path parameter).
    "section_id": re.compile(r'id="validation-profile-(\d+)"'),
    "stakeholder_id": re.compile(r'id="confirm-stakeholder-(\d+)"'),
}
# What waits for the client's answer, as the validation page and the account page count it.
WAITING = re.compile(r"(\d+) items? (?:about your company )?waits? for")
VALIDATION_PAGE = re.compile(r"^/accounts/\d+/validation$")


class Response(Protocol):
    """What the checks read of an answer (the test client's response, whichever httpx)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...


def read(response: Response) -> str:
    """What a client reads of an answer: a PDF's text and metadata, otherwise its body."""
    return pdftext.answer_text(response.headers, response.text, response.content)


Form = Mapping[str, str | list[str]]
Post = Callable[..., Response]  # post_as_client's ``post``: checks the answer and its status
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
    file_pages: list[str] = field(default_factory=list)  # shared items' file pages
    internal_file_pages: list[str] = field(default_factory=list)
    internal_threads: list[str] = field(default_factory=list)
    comment_ids: dict[str, set[int]] = field(default_factory=dict)  # thread key -> shared ids
    shared_comment_count: Counter[str] = field(default_factory=Counter)  # thread key -> live
    kinds: list[str] = field(default_factory=list)  # the profile's sections, for /profile/{kind}
    sent_texts: list[str] = field(default_factory=list)  # what the validation page must show
    # Who edited what was sent after sending, and did nothing the client saw (name, e-mail).
    internal_editor: list[str] = field(default_factory=list)

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
            values=StrategyValues(kind=kind, text=text, horizon=horizon or None),
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
            values=PriorityValues(title=title, description=text, owner_id=_id(owner)),
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
        future_overall=9,
        future_scores=dict.fromkeys(DEFAULT_VALUE_DIMENSIONS, 8),
    )

    # Shared initiatives: one waiting for an answer, one accepted, one parked.
    def shared_initiative(title: str, links: list[int], answer: InitiativeStatus | None) -> int:
        made = initiatives.create(
            session,
            actor=lead,
            plan=plan,
            values=InitiativeValues(
                title=title,
                description=f"{title}, in detail",
                owner_id=_id(lead),
                priority_ids=links,
            ),
        )
        initiatives.propose(session, actor=lead, initiative=made, expected_version=made.version)
        if answer is not None:
            initiatives.answer(
                session,
                actor=sponsor,
                initiative=made,
                status=answer,
                reason="Agreed in the steering meeting",
                expected_version=made.version,
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
        values=InitiativeValues(
            title=f"{MARKER}-draft-title",
            description=f"{MARKER}-draft-description",
            value_for_client=f"{MARKER}-draft-value-for-client",
            value_for_vendor=f"{MARKER}-draft-value-for-vendor",
            owner_id=_id(team),
            priority_ids=[_id(p1)],
        ),
    )
    initiatives.update(
        session,
        actor=team,
        initiative=draft,
        values=InitiativeValues(
            title=f"{MARKER}-draft-title-edited",
            description=f"{MARKER}-draft-description-edited",
            value_for_client=f"{MARKER}-draft-value-for-client-edited",
            value_for_vendor=f"{MARKER}-draft-value-for-vendor-edited",
            owner_id=_id(team),
            priority_ids=[_id(p1), _id(p2)],
        ),
        expected_version=draft.version,
    )
    # An initiative whose draft past (title, text, a comment) is internal, proposed later.
    later = initiatives.create(
        session,
        actor=team,
        plan=plan,
        values=InitiativeValues(
            title=f"{MARKER}-predraft-title",
            description=f"{MARKER}-predraft-description",
            value_for_vendor=f"{MARKER}-predraft-value-for-vendor",
            owner_id=_id(team),
            priority_ids=[_id(p3)],
        ),
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
        )

    comment(team, target("initiative", _id(later)), f"{MARKER}-predraft-comment @Client sponsor")
    initiatives.update(
        session,
        actor=team,
        initiative=later,
        values=InitiativeValues(
            title="Faster shop approvals",
            description="Approve shops in a day",
            owner_id=_id(team),
            priority_ids=[_id(p3)],
        ),
        expected_version=later.version,
    )
    initiatives.propose(session, actor=lead, initiative=later, expected_version=later.version)
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
            values=BeliefValues(
                title=f"{MARKER}-belief-{n}",
                hypothesis=f"{MARKER}-hypothesis-{n}",
                priority_id=linked,
            ),
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
        agreement.submit(session, actor=lead, plan=plan)
        agreement.approve(session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR)
        frozen = agreement.approve(session, actor=lead, plan=plan, slot=agreement.Slot.LEAD).version
        assert frozen is not None
        versions.append(_id(frozen))
        ranked.append(
            priorities.create(session, actor=member, plan=plan, values=PriorityValues(title=title))
        )
        shared_targets.append(target("priority", _id(ranked[-1])))
    shared["version_id"] = versions
    shared["priority_id"] = [_id(p) for p in ranked]
    suggestions = [
        priorities.suggest(session, actor=lead, plan=plan, values=PriorityValues(title=title))
        for title in ("Partner with logistics firms", "Loyalty programme")
    ]
    shared["suggestion_id"] = [_id(s) for s in suggestions]
    shown = session.get(Initiative, proposed)
    assert shown is not None
    plant_strategy_workspace(
        session, world, planted, plan=plan, client_priorities=ranked, draft=draft, proposed=shown
    )
    plant_joint_reviews(session, world, planted, plan=plan)

    internal["comment"] = sorted(
        _id(c)
        for c in session.exec(
            select(Comment)
            .where(Comment.account_id == _id(account))
            .where(Comment.visibility == Visibility.INTERNAL)
        )
    )
    plant_files(session, world, planted, draft=_id(draft), proposed=proposed, first=ranked[0])
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


def plant_files(
    session: Session, world: World, planted: Planted, *, draft: int, proposed: int, first: Priority
) -> None:
    """Files: shared ones on a priority, a proposed initiative and a shared comment; marked
    ones (name and content) on the draft, on a team-only comment and on a comment on the draft.
    Their download URLs and the items' file pages join what a client may read or must not."""
    m = world.members
    comment_of = {
        "shared": session.exec(
            select(Comment).where(
                Comment.account_id == planted.account_id,
                Comment.visibility == Visibility.SHARED,
                Comment.author_id == _id(m["member"]),
            )
        ).first(),
        "team": session.exec(
            select(Comment).where(col(Comment.body) == f"{MARKER}-team-priority")
        ).one(),
        "draft": session.exec(
            select(Comment).where(col(Comment.body).startswith(f"{MARKER}-draft-comment-lead"))
        ).one(),
    }
    plans = (
        ("shared", "priority", _id(first), m["sponsor"], "Shop list.csv"),
        ("shared", "initiative", proposed, m["lead"], "Pilot plan.txt"),
        ("shared", "comment", _id(comment_of["shared"]), m["member"], "Q2 start.txt"),
        ("internal", "initiative", draft, m["lead"], f"{MARKER}-draft-file.txt"),
        ("internal", "comment", _id(comment_of["team"]), m["lead"], f"{MARKER}-team-file.txt"),
        ("internal", "comment", _id(comment_of["draft"]), m["lead"], f"{MARKER}-on-draft.txt"),
    )
    for side, item_type, item_id, author, name in plans:
        data = f"{name}: {MARKER if side == 'internal' else 'for everyone'}\n".encode()
        made = attach(
            session,
            actor=author,
            account_id=planted.account_id,
            item_type=item_type,
            item_id=item_id,
            name=name,
            data=data,
        )
        files = f"/accounts/{planted.account_id}/files/{item_type}/{item_id}"
        if side == "shared":
            planted.shared.setdefault("attachment_id", []).append(_id(made))
            planted.file_pages.append(files)
        else:
            planted.internal.setdefault("attachment", []).append(_id(made))
            planted.internal_file_pages.append(files)
    planted.internal_params["attachment_id"] = planted.internal["attachment"]


def _thread_key(c: Comment) -> str:
    for kind in CommentTarget:
        item = getattr(c, kind.value)
        if item is not None:
            name = comments_repo.TYPE_OF[kind]
            return f"strategy-{item}" if name == "strategy" else f"{name}-{item}"
    raise AssertionError(f"comment {c.id} hangs on nothing")


# --------------------------------------------------------------------------------------------
# The vendor strategy workspace (issue 4): internal, except what is deliberately sent
# --------------------------------------------------------------------------------------------

# What the client is deliberately shown (clean: no marker) and must find on its validation page.
GOALS_SENT = "Become the leading grocer of southern Europe by 2030"
MARKETS_SENT = "Mid-market grocers in Spain and Portugal"
MARKETS_CORRECTED = "Mid-market and premium grocers in Spain, Portugal and Italy"
STRUCTURE_SENT = "Three regional business units report to the operations director"
SENT_PEOPLE = {
    "name": ("Ana Ruiz", "Luis Moreno"),
    "title": ("Operations Director", "Head of Stores"),
}
# A reporting line sent to the client names only people sent themselves: the first person's
# manager was never sent (their name is marked), so the client reads this instead.
NOT_SHARED = "someone not shared with you"
# The fields of a person, of a profile section, that a shared audit event may carry (written
# out here, not read from the services: the test states what is meant for the client).
SHARED_EVENT_FIELDS = {
    "stakeholder": {
        "sent_name",
        "sent_title",
        "sent_reports_to",
        "validation",
        "client_correction",
    },
    "profile_section": {"shared_body", "validation", "client_correction"},
}
# Items of the workspace no event of which may ever be shared.
INTERNAL_ITEM_TYPES = {
    "opportunity",
    "account_goal",
    "account_actual",
    "review",
    "mentor_request",
    "commitment",
    "scorecard_attribute",
    "account_score",
    "strategic_objective",
    "tier_treatment",
    "planned_hours",
}
# What only the vendor's side is told, in words no stored field carries (so no marker can be
# planted in it): the gap between the value the client expects and the value it sees today.
VENDOR_ONLY_WORDS = re.compile(r"room the client believes", re.IGNORECASE)
# The assessments of a stakeholder, which the validation page never names (nor the partials
# its answers return): roles, attitude, influence, motivations, relationship strength, the
# team's contacts, links between people and tensions between departments.
ASSESSMENT_WORDS = re.compile(
    r"detractor|supporter|economic.buyer|influenc|attitude|motivation|gatekeeper|coach"
    r"|technical buyer|relationship (?:owner|strength)|buying role|does not want us to talk"
    r"|tension between|last contact",
    re.IGNORECASE,
)


def plant_strategy_workspace(
    session: Session,
    world: World,
    planted: Planted,
    *,
    plan: Plan,
    client_priorities: Sequence[Priority],
    draft: Initiative,
    proposed: Initiative,
) -> None:
    """Every internal text field of the workspace marked; what is sent for validation clean."""
    account = world.account
    account_id = _id(account)
    m = world.members
    lead, team, mentor, sponsor = m["lead"], m["team"], m["mentor"], m["sponsor"]
    shared, internal, params = planted.shared, planted.internal, planted.internal_params

    # The workspace's strategic objectives (issue 15), each served by an attribute.
    stated = [
        scorecard_objectives.add_objective(
            session,
            actor=world.admin,
            workspace_id=_id(world.workspace),
            values=ObjectiveValues(
                f"{MARKER}-objective-title-{n}", f"{MARKER}-objective-description-{n}"
            ),
        )
        for n in (1, 2)
    ]
    internal["objective"] = params["objective_id"] = [_id(o) for o in stated]

    # The scorecard: the workspace's attributes (one per half) and a scoring of the account.
    attributes = []
    for n, half in ((1, ScorecardHalf.CURRENT), (2, ScorecardHalf.FUTURE)):
        form = AttributeForm(
            name=f"{MARKER}-attribute-name-{n}",
            half=half.value,
            weight="3",
            description=f"{MARKER}-attribute-description-{n}",
            objective_id=str(_id(stated[n - 1])),
        )
        values = form.check()
        assert isinstance(values, AttributeValues), values
        attributes.append(
            scorecard.add_attribute(
                session,
                actor=world.admin,
                workspace_id=_id(world.workspace),
                values=values,
            )
        )
    scorecard.score_account(
        session,
        actor=lead,
        account_id=account_id,
        entries=[
            CheckedEntry(a, 4, f"{MARKER}-score-note-{n}") for n, a in enumerate(attributes, 1)
        ],
        note=f"{MARKER}-score-overall-note",
    )
    internal["attribute"] = params["attribute_id"] = [_id(a) for a in attributes]

    # Each tier's treatment, and the team's planned hours of this quarter and the next, noted.
    scorecard_treatment.save(
        session,
        actor=world.admin,
        workspace_id=_id(world.workspace),
        wanted={t: scorecard_treatment.Treatment(t, 2, True) for t in Tier},
        expected=dict.fromkeys(Tier, 0),
    )
    quarters = planned_quarters(utcnow().date())[:2]
    for n, quarter in enumerate(quarters, 1):
        planned_hours.record(
            session,
            actor=team,
            account_id=account_id,
            values=planned_hours.HoursValues(quarter, 7000 + n, f"{MARKER}-planned-hours-note-{n}"),
            expected_version=0,
        )
    internal["planned_hours"] = list(
        session.exec(select(PlannedHours.id).where(PlannedHours.account_id == account_id)).all()
    )

    # The profile: sections never sent, one sent then edited, one sent, corrected by the client,
    # the correction adopted then edited, one sent, edited and withdrawn (internal again).
    def save(
        kind: ProfileKind, body: str, section: ProfileSection | None = None, *, by: User = lead
    ) -> ProfileSection:
        saved = profile.save(
            session,
            actor=by,
            account_id=account_id,
            kind=kind,
            section=section,
            body=body,
            expected_version=section.version if section else 0,
        )
        assert saved is not None
        return saved

    def send(kind: ProfileKind, body: str) -> ProfileSection:
        section = save(kind, body)
        profile.share(
            session,
            actor=lead,
            section=section,
            expected_version=section.version,
        )
        return section

    unsent = [
        save(kind, f"{MARKER}-profile-{kind.value}-body")
        for kind in (ProfileKind.TRENDS, ProfileKind.COMPETITORS, ProfileKind.SWOT)
    ]
    goals = send(ProfileKind.GOALS, GOALS_SENT)
    save(ProfileKind.GOALS, f"{MARKER}-profile-goals-edited-after-sending", goals, by=team)
    markets = send(ProfileKind.MARKETS, MARKETS_SENT)
    profile.answer(
        session,
        actor=sponsor,
        section=markets,
        decision=Validation.CORRECTED,
        correction=MARKETS_CORRECTED,
        expected_version=profile.answer_version(markets),
    )
    profile.adopt_correction(session, actor=lead, section=markets, expected_version=markets.version)
    save(ProfileKind.MARKETS, f"{MARKER}-profile-markets-edited-after-adopting", markets, by=team)
    withdrawn = send(ProfileKind.STRUCTURE, STRUCTURE_SENT)
    save(ProfileKind.STRUCTURE, f"{MARKER}-profile-structure-edited", withdrawn)
    profile.withdraw(session, actor=lead, section=withdrawn)
    shared["section_id"] = [_id(goals), _id(markets)]
    planted.kinds = [kind.value for kind in ProfileKind]
    internal["section"] = [_id(s) for s in unsent]
    internal["withdrawn_section"] = [_id(withdrawn)]
    params["section_id"] = [*internal["section"], _id(withdrawn)]

    # The relationship map: people never sent (every field marked, the manager of a person sent
    # too: a reporting line sent names only people sent), people sent whose name and title
    # changed afterwards and whose assessments are marked from the start, one sent and then
    # taken off the map.
    def person(
        tag: str,
        *,
        name: str = "",
        title: str = "",
        reports_to_id: int | None = None,
        roles: Sequence[BuyingRole] = (BuyingRole.ECONOMIC_BUYER, BuyingRole.GATEKEEPER),
        attitude: Attitude = Attitude.DETRACTOR,
    ) -> Stakeholder:
        checked = CheckedStakeholder(
            name=name or f"{MARKER}-{tag}-name",
            title=title or f"{MARKER}-{tag}-title",
            department=f"{MARKER}-{tag}-department",
            reports_to_id=reports_to_id,
            roles=[role.value for role in roles],
            decision=f"{MARKER}-{tag}-decision",
            influence=Influence.HIGH.value,
            attitude=attitude.value,
            motivations=f"{MARKER}-{tag}-motivations",
            level=Level.EXECUTIVE.value,
            location=f"{MARKER}-{tag}-location",
        )
        made = stakeholders.add(session, actor=lead, account_id=account_id, checked=checked)
        # Two of the team in contact, at different strengths.
        for user, strength in ((team, Strength.WEAK), (lead, Strength.STRONG)):
            contacts.append(
                stakeholders.add_contact(
                    session,
                    actor=lead,
                    person=made,
                    user=user,
                    checked=CheckedContact(_id(user), strength.value, utcnow().date()),
                )
            )
        return made

    def edit(who: Stakeholder, **changes: str | int) -> None:
        values = {name: getattr(who, name) for name in stakeholders.FIELDS} | changes
        stakeholders.update(
            session,
            actor=team,
            person=who,
            checked=CheckedStakeholder(**values),
            expected_version=who.version,
        )

    contacts: list[StakeholderContact] = []
    unknown = person("unsent")
    manager = person("unsent-manager", roles=[BuyingRole.USER])
    first = person(
        "sent-1",
        name=SENT_PEOPLE["name"][0],
        title=SENT_PEOPLE["title"][0],
        reports_to_id=_id(manager),
        roles=[BuyingRole.ECONOMIC_BUYER, BuyingRole.COACH],
    )
    second = person(
        "sent-2",
        name=SENT_PEOPLE["name"][1],
        title=SENT_PEOPLE["title"][1],
        reports_to_id=_id(first),
        roles=[BuyingRole.TECHNICAL, BuyingRole.INFLUENCER],
        attitude=Attitude.SUPPORTER,
    )
    gone = person("sent-removed", name="Pablo Sanz", title="Store Manager", roles=[])
    stakeholders.send(session, actor=lead, account_id=account_id, people=[first, second, gone])
    edit(first, name=f"{MARKER}-sent-1-name-edited", title=f"{MARKER}-sent-1-title-edited")
    edit(
        second,
        name=f"{MARKER}-sent-2-name-edited",
        title=f"{MARKER}-sent-2-title-edited",
        reports_to_id=_id(unknown),
    )
    edit(manager, name=f"{MARKER}-unsent-manager-name-edited")
    # Links between the people sent (their names are shared; the links never are), and a
    # tension between two departments.
    names = {_id(p): p.name for p in (first, second, unknown, manager)}
    links = [
        stakeholders.add_link(
            session,
            actor=lead,
            account_id=account_id,
            checked=CheckedLink(_id(a), _id(b), kind.value, f"{MARKER}-link-note-{kind.value}"),
            names=names,
        )
        for a, b, kind in (
            (first, second, LinkKind.BLOCKS),
            (second, first, LinkKind.INFLUENCES),
            (first, unknown, LinkKind.KEEPS_US_FROM),
        )
    ]
    tension = stakeholders.add_tension(
        session,
        actor=lead,
        account_id=account_id,
        checked=CheckedTension(
            f"{MARKER}-tension-a", f"{MARKER}-tension-b", f"{MARKER}-tension-note"
        ),
    )
    stakeholders.remove(session, actor=lead, person=gone)
    shared["stakeholder_id"] = [_id(first), _id(second)]
    internal["stakeholder_contact"] = params["contact_id"] = [_id(c) for c in contacts]
    internal["stakeholder_link"] = params["link_id"] = [_id(link) for link in links]
    internal["department_tension"] = params["tension_id"] = [_id(tension)]
    planted.internal_editor = [team.display_name, team.email]
    planted.sent_texts = [
        GOALS_SENT,
        MARKETS_SENT,
        *SENT_PEOPLE["name"],
        *SENT_PEOPLE["title"],
        NOT_SHARED,
    ]
    internal["stakeholder"] = [_id(unknown), _id(manager)]
    internal["removed_stakeholder"] = [_id(gone)]
    params["stakeholder_id"] = [_id(unknown), _id(manager), _id(gone)]

    # Opportunities, linked to the client's priorities.
    made = []
    for n, status, linked in (
        (1, OpportunityStatus.OPEN, client_priorities[0]),
        (2, OpportunityStatus.WON, client_priorities[1]),
    ):
        made.append(
            opportunities.add(
                session,
                actor=lead,
                account_id=account_id,
                values=OpportunityValues(
                    title=f"{MARKER}-opportunity-title-{n}",
                    description=f"{MARKER}-opportunity-description-{n}",
                    size=50_000 * n,
                    days=20,
                    ratings=dict.fromkeys(RATINGS, 4),
                    owner_id=_id(team),
                    status=status.value,
                    priority_ids=[_id(linked)],
                ),
            )
        )
    # A lost bid with its reason and the team's note.
    made.append(
        opportunities.add(
            session,
            actor=team,
            account_id=account_id,
            values=OpportunityValues(
                title=f"{MARKER}-lost-bid-title",
                description="",
                size=30_000,
                days=5,
                ratings=dict.fromkeys(RATINGS, 2),
                owner_id=None,
                status=OpportunityStatus.LOST.value,
                priority_ids=[],
                bid_reason="price",
                bid_note=f"{MARKER}-bid-note",
            ),
        )
    )
    internal["opportunity"] = params["opportunity_id"] = [_id(o) for o in made]

    # The account's own goals for this year and a quarter's actuals (amounts as markers).
    year = utcnow().year
    goal_revenue, goal_margin, actual_revenue, actual_margin = MARKED_AMOUNTS
    results.set_goals(
        session,
        actor=lead,
        account_id=account_id,
        values=GoalValues(revenue=goal_revenue, margin=goal_margin, share_of_wallet=37, year=year),
        expected_version=0,
    )
    results.record_actuals(
        session,
        actor=team,
        account_id=account_id,
        values=ActualValues(
            revenue=actual_revenue, margin=actual_margin, share_of_wallet=31, year=year, quarter=1
        ),
        expected_version=0,
    )

    # Reviews (one signed off with the mentor's comment, one waiting) and requests to the
    # mentor (about the plan, answered; about the draft; about a proposed initiative).
    dimensions = list(world.workspace.value_dimensions)
    held = []
    for n, days_ago in ((1, 30), (2, 1)):
        held.append(
            reviews.record(
                session,
                actor=lead,
                account=account,
                plan=plan,
                checked=CheckedReview(
                    utcnow().date() - timedelta(days=days_ago),
                    f"{MARKER}-review-participants-{n}",
                    f"{MARKER}-review-what-changed-{n}",
                ),
                dimensions=dimensions,
            )
        )
    reviews.sign_off(
        session,
        actor=mentor,
        account=account,
        review=held[0],
        comment=f"{MARKER}-review-mentor-comment",
        expected_version=held[0].version,
    )
    asked = [
        reviews.ask(
            session,
            actor=actor,
            account=account,
            plan=plan,
            initiative=about,
            note=f"{MARKER}-mentor-request-note-{n}",
        )
        for n, actor, about in ((1, team, None), (2, lead, draft), (3, team, proposed))
    ]
    reviews.answer(
        session,
        actor=mentor,
        account=account,
        request=asked[0],
        initiative=None,
        text=f"{MARKER}-mentor-request-answer",
        expected_version=asked[0].version,
    )
    internal["review"] = params["review_id"] = [_id(r) for r in held]
    internal["mentor_request"] = params["request_id"] = [_id(q) for q in asked]
    internal["commitment"] = plant_commitment(session, world, plan=plan)


def plant_commitment(session: Session, world: World, *, plan: Plan) -> list[int]:
    """The team's commitment: a first round (the team member raises a concern, the mentor
    commits), then the plan changed and a second round (the mentor raises a concern, which
    stays open). Every concern is marked; the ids of every row."""
    lead, team, mentor = (world.members[r] for r in ("lead", "team", "mentor"))
    rows: list[int] = []
    for n, (worried, committed) in enumerate(((team, mentor), (mentor, team)), start=1):
        asked = commitment.ask(session, actor=lead, plan=plan)
        rows += [_id(row) for row in asked]
        for person, choice, text in (
            (worried, CommitmentAnswer.CONCERN, f"{MARKER}-commitment-concern-{n}"),
            (committed, CommitmentAnswer.COMMITTED, ""),
        ):
            commitment.answer(
                session, actor=person, plan=plan, checked=CheckedAnswer(choice, text, 1)
            )
    return rows


# --------------------------------------------------------------------------------------------
# Checking one answer
# --------------------------------------------------------------------------------------------


class Leaks:
    """Every problem found, so one run reports them all."""

    def __init__(self, planted: Planted, waiting: Callable[[], int]) -> None:
        self.planted = planted
        self.waiting = waiting  # how many sent items wait for the client's answer now
        self.problems: list[str] = []
        self.checked = 0
        words = "|".join(
            rf"\b(?:{ID_WORDS[kind]})(?:[-/: _=]|%3A|_id=)+(?:{'|'.join(map(str, ids))})(?!\d)"
            for kind, ids in planted.internal.items()
            if ids
        )
        self.internal_ids = re.compile(words)

    def text(self, where: str, text: str) -> None:
        """No marker (nor a marked amount), no vendor-only wording, no internal item's id."""
        if MARKER in text:
            at = text.index(MARKER)
            self.problems.append(f"{where}: marker in …{text[max(0, at - 120) : at + 60]!r}")
        for found in _AMOUNTS.finditer(text):
            at = found.start()
            self.problems.append(f"{where}: marked amount in …{text[max(0, at - 120) : at + 60]!r}")
        for found in VENDOR_ONLY_WORDS.finditer(text):
            self.problems.append(f"{where}: vendor-only wording {found.group(0)!r}")
        for found in self.internal_ids.finditer(text):
            self.problems.append(f"{where}: internal id in {found.group(0)!r}")

    def response(self, where: str, response: Response) -> None:
        self.checked += 1
        body = read(response)
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
        for param in ("section_id", "stakeholder_id"):
            sent = set(self.planted.shared[param])
            for found in RENDERED[param].findall(body):
                if int(found) not in sent:
                    self.problems.append(f"{where}: renders {param} {found}, not sent")
        counts = WAITING.findall(body)
        if counts or "Everything sent has been answered" in body:
            expected = self.waiting()
            for shown in counts or ["0"]:
                if int(shown) != expected:
                    self.problems.append(f"{where}: {shown} items wait, expected {expected}")

    def validation(self, where: str, response: Response, *, page: bool = False) -> None:
        """An answer of the client's validation page (``page``: the whole page) names no
        assessment of a person; the page shows exactly what was sent, as it was sent."""
        self.response(where, response)
        if response.status_code not in (200, 409, 422):
            return
        for found in ASSESSMENT_WORDS.finditer(response.text):
            self.problems.append(f"{where}: names an assessment, {found.group(0)!r}")
        # "X changed this meanwhile" names who the client may know of: never an internal editor.
        for editor in self.planted.internal_editor:
            if editor in response.text:
                self.problems.append(f"{where}: names {editor}")
        if not page:
            return
        for param in ("section_id", "stakeholder_id"):
            shown = {int(i) for i in RENDERED[param].findall(response.text)}
            sent = set(self.planted.shared[param])
            if shown != sent:
                self.problems.append(f"{where}: shows {param} {sorted(shown)}, {sorted(sent)}")
        for text in self.planted.sent_texts:
            if text not in response.text:
                self.problems.append(f"{where}: the text as sent {text!r} is missing")

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


def plant_joint_reviews(session: Session, world: World, planted: Planted, *, plan: Plan) -> None:
    """Joint reviews with the client (shared), scheduled while the marked draft initiative and
    the internal records exist: one open with minutes (a decision, an action, the client's
    rating), one closed (frozen minutes) with the vendor's internal record of it (marked).
    Their agenda, invitations (e-mail and calendar file) and pages must stay clean."""
    m = world.members
    lead, sponsor = m["lead"], m["sponsor"]
    invited = tuple(_id(m[r]) for r in ("lead", "team", "sponsor", "member", "viewer"))
    made = []
    for days in (2, 20):
        made.append(
            joint_reviews.schedule(
                session,
                actor=lead,
                account=world.account,
                plan=plan,
                checked=CheckedSchedule(
                    CheckedTime(utcnow() + timedelta(days=days), "Europe/Madrid", 60), invited
                ),
            )
        )
    held, open_review = made
    joint_reviews.add_decision(session, actor=sponsor, review=open_review, text="Start the pilot")
    joint_reviews.add_action(
        session,
        actor=lead,
        plan=plan,
        review=open_review,
        checked=CheckedAction("Plan the pilot", "A date agreed", None, None, "not_started", Link()),
    )
    joint_reviews.rate(
        session,
        actor=sponsor,
        account=world.account,
        plan=plan,
        review=open_review,
        values=RatingValues(7, {}, "Better", future_overall=9),
    )
    joint_reviews.add_decision(session, actor=lead, review=held, text="Keep the cadence")
    held.starts_at = utcnow() - timedelta(days=1)
    joint_reviews.close(session, actor=lead, review=held, expected_version=held.version)
    record = reviews.record(
        session,
        actor=lead,
        account=world.account,
        plan=plan,
        checked=CheckedReview(
            utcnow().date() - timedelta(days=1),
            f"{MARKER}-joint-record-participants",
            f"{MARKER}-joint-record-what-changed",
        ),
        dimensions=list(world.workspace.value_dimensions),
        joint_review_id=_id(held),
    )
    planted.internal["review"].append(_id(record))  # the same list as its path parameter's
    planted.shared["joint_review_id"] = [_id(open_review), _id(held)]


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
        "kind": planted.kinds,
    }
    shared: dict[str, Sequence[int | str]] = {**fixed, **planted.shared}
    internal_only: dict[str, Sequence[int | str]] = dict(planted.internal_params)
    open_urls: list[str] = []
    internal_urls: list[str] = []
    for path in get_routes(app):
        if "{target}" in path:  # comment threads and file pages: their own lists below
            continue
        open_urls += fill(path, shared)
        for name in internal_only:
            if f"{{{name}}}" in path:
                internal_urls += fill(path, shared | {name: internal_only[name]})
    account = f"/accounts/{planted.account_id}"
    first, second = planted.shared["version_id"]
    open_urls += [
        *planted.threads,
        *planted.file_pages,
        f"{account}/plan/changes?summary=1",
        f"{account}/plan/compare?from={first}&to={second}",
        f"{account}/plan/compare?from={first}&to=current",
        f"{account}/plan/compare?from={second}&to=current",
    ]
    internal_urls += planted.internal_threads + planted.internal_file_pages
    # Every thread through the API too (the draft's: the 404 of a missing one).
    open_urls += [api_thread(path) for path in planted.threads]
    internal_urls += [api_thread(path) for path in planted.internal_threads]
    return sorted(set(open_urls)), sorted(set(internal_urls))


def api_thread(path: str) -> str:
    """A thread page's path (``/accounts/1/threads/strategy/2?section=goal``) as the API's."""
    base, _, query = path.partition("?")
    return f"/api/v1{base}/comments" + (f"?{query}" if query else "")


def thread_key(url: str) -> str | None:
    found = re.search(r"/threads/(\w+)/(\d+)(?:\?section=(\w+))?$", url)
    if found is None:
        return None
    item_type, item_id, section = found.groups()
    return f"strategy-{section}" if item_type == "strategy" else f"{item_type}-{item_id}"


# What every client role reads (so a leak check of these pages is never vacuous).
OPEN_TO_CLIENTS = re.compile(
    r"^/(?:inbox|my/actions|my/actions\.csv|me)?$"
    r"|^/accounts/\d+(?:/plan(?:\.pdf|/changes|/versions(?:/\d+(?:/plan\.pdf)?)?|/compare|/actions\.csv)?"
    r"|/plans/\d+|/audit(?:/export\.jsonl)?"
    r"|/threads/.*|/files/.*|/attachments/\d+"
    r"|/validation)?"
    r"(?:\?.*)?$"
    # The JSON API, asked with the client person's token (``send_api_token``)
    r"|^/api/v1/accounts(?:/\d+(?:/plan|/priorities|/periods|/strategy|/suggestions|/ratings"
    r"|/initiatives|/audit|/actions(?:/\d+(?:/comments)?)?"
    r"|/threads/\w+/\d+/comments(?:\?section=\w+)?)?)?$"
)


def send_api_token(client: TestClient, session: Session, user: User) -> None:
    """``client`` also sends a read-and-write API token of ``user`` with every request: the
    API's answers are swept like the pages' (the pages go by the session cookie)."""
    _token, secret = api_tokens.create(
        session, actor=user, checked=CheckedToken("Sweep", TokenScope.WRITE, 30)
    )
    session.commit()
    client.headers["Authorization"] = f"Bearer {secret}"


def write_through_api(client: TestClient, leaks: Leaks, planted: Planted, role: str) -> None:
    """The answers to what a client writes through the API: a change of a shared action (with
    its ETag), comments on it (a team-only one is refused), a value rating, and an answer to
    the vendor's draft initiative (404); the viewer only comments (shared), refused the rest."""
    writes = role != "viewer"
    url = f"/api/v1/accounts/{planted.account_id}/actions/{planted.shared['action_id'][0]}"
    got = client.get(url)
    leaks.response(f"{role} API GET {url}", got)
    account = f"/api/v1/accounts/{planted.account_id}"
    ratings = f"{account}/ratings"
    draft = f"{account}/initiatives/{planted.internal_params['initiative_id'][0]}/answer"
    v1 = {"If-Match": '"v1"'}
    answers = [
        (
            "PATCH",
            url,
            client.patch(
                url, json={"status": "blocked"}, headers={"If-Match": got.headers["etag"]}
            ),
            200,
        ),
        (
            "PATCH",
            url,
            client.patch(url, json={"status": "done"}, headers={"If-Match": '"v1"'}),
            412,
        ),
        ("POST", f"{url}/comments", client.post(f"{url}/comments", json={"body": "Agreed"}), 201),
        (
            "POST",
            f"{url}/comments",
            client.post(f"{url}/comments", json={"body": "Ours", "team_only": True}),
            403,
        ),
        ("POST", ratings, client.post(ratings, json={"overall": 6, "comment": "Fine"}), 201),
        # the vendor's draft: the 404 of a missing one
        ("POST", draft, client.post(draft, json={"decision": "accept"}, headers=v1), 404),
    ]
    answers += threads_and_strategy_through_api(client, planted)
    for method, where, response, expected in answers:
        leaks.response(f"{role} API {method} {where}", response)
        # The viewer comments too (team-only: no), on any thread (a strategy section's has a query)
        discusses = where.split("?")[0].endswith("/comments")
        if response.status_code != (expected if writes or discusses else 403):
            leaks.problems.append(f"{role} API {method} {where}: {response.status_code}")
        elif response.status_code == 201 and "/comments" in where:  # a shared comment
            key = thread_key(where.removeprefix("/api/v1").replace("/comments", "")) or (
                f"action-{planted.shared['action_id'][0]}"
            )
            planted.comment_ids.setdefault(key, set()).add(response.json()["id"])
            planted.shared_comment_count[key] += 1


def threads_and_strategy_through_api(
    client: TestClient, planted: Planted
) -> list[tuple[str, str, Any, int]]:
    """A client's comment on each shared thread through the API (a team-only one refused),
    one on the vendor's draft (404, as a missing item), and a strategy entry added and
    changed (with its ETag)."""
    answers: list[tuple[str, str, Any, int]] = []
    for path in planted.threads:
        url = api_thread(path)
        said = client.post(url, json={"body": "Noted"})
        answers.append(("POST", url, said, 201))
    first = api_thread(planted.threads[0])
    ours = client.post(first, json={"body": "Ours", "team_only": True})
    answers.append(("POST", first, ours, 403))
    draft = api_thread(planted.internal_threads[0])
    answers.append(("POST", draft, client.post(draft, json={"body": "Hello?"}), 404))
    strategy = f"/api/v1/accounts/{planted.account_id}/strategy"
    added = client.post(strategy, json={"kind": "driver", "text": "Open a Lisbon office"})
    answers.append(("POST", strategy, added, 201))
    if added.status_code == 201:
        entry = f"{strategy}/{added.json()['id']}"
        changed = client.patch(
            entry, json={"detail": "By spring"}, headers={"If-Match": added.headers["etag"]}
        )
        answers.append(("PATCH", entry, changed, 200))
    return answers


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
            elif VALIDATION_PAGE.match(url):
                leaks.validation(where, response, page=True)
            else:
                leaks.response(where, response)


def api_audit(client: TestClient, leaks: Leaks, planted: Planted, role: str) -> int:
    """Every page of the audit trail through the API (the client's token): how many events."""
    rows, cursor = 0, None
    for _ in range(100):
        url = f"/api/v1/accounts/{planted.account_id}/audit?limit=100"
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""))
        leaks.response(f"{role} API GET {url}", response)
        assert response.status_code == 200, url
        rows += len(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    return rows


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
            # The chain's own sequence numbers count the internal events: never shown here.
            if 'data-label="#"' in response.text:
                leaks.problems.append(f"{role} GET {url}: shows the events' sequence numbers")
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
    api_rows = api_audit(client, leaks, planted, role) if "Authorization" in client.headers else 0
    if "Authorization" in client.headers and api_rows != len(shared):
        leaks.problems.append(f"{role}: the API's audit lists {api_rows} events, {len(shared)}")
    # The export holds exactly the shared events, chained for the file (so no sequence
    # number or hash of the account's chain counts the internal events), and verifies.
    url = f"/accounts/{planted.account_id}/audit/export.jsonl"
    exported = client.get(url)
    leaks.response(f"{role} GET {url}", exported)
    verified = audit_export.verify(exported.text)
    if (verified.kind, verified.events) != ("shared", len(shared)):
        leaks.problems.append(f"{role}: the export holds {verified.events} events")
    internal = planted.internal
    never_sent = {("profile_section", str(i)) for i in internal["section"]} | {
        ("stakeholder", str(i)) for i in internal["stakeholder"]
    }
    for event in shared:
        where = f"shared audit event {event.verb} of {event.item_type} {event.item_id}"
        leaks.text(where, json.dumps(event.changes, ensure_ascii=False))
        # The strategy workspace shares only the sending and the answers, and of those only
        # the fields meant for the client.
        if event.item_type in INTERNAL_ITEM_TYPES or (event.item_type, event.item_id) in never_sent:
            leaks.problems.append(f"{where}: an internal item's event is shared")
        allowed = SHARED_EVENT_FIELDS.get(event.item_type)
        if allowed is not None and not set(event.changes) <= allowed:
            leaks.problems.append(f"{where}: carries {sorted(set(event.changes) - allowed)}")
    verbs = Counter(event.verb for event in shared)
    for verb in ("profile.sent", "profile.corrected", "profile.withdrawn", "stakeholder.sent"):
        if not verbs[verb]:  # the checks above are not vacuous
            leaks.problems.append(f"{role}: no shared {verb} event on the trail")


def prefer_digests(session: Session, world: World) -> None:
    """Before the plan is made: the sponsor takes almost everything in the daily digest (the
    requests to check what was sent stay immediate: ``check_news`` counts those e-mails), the
    viewer everything in the weekly one, so that the news of the plan reaches them as digests."""
    immediate = {"validation.requested", "stakeholder.sent"}
    for role, delivery in (("sponsor", Delivery.DAILY), ("viewer", Delivery.WEEKLY)):
        person = world.members[role]
        wanted = {
            kind.name: delivery
            for kind in preferences.kinds_for(person)
            if kind.name not in immediate and delivery in kind.choices
        }
        preferences.save(session, user_id=_id(person), wanted=wanted)


def run_reminders_for_a_week(
    session: Session, leaks: Leaks, world: World, planted: Planted
) -> None:
    """Reminders and digests are e-mails and inbox entries too (issue 11 §2): the client's
    actions fall due (the sponsor's in two days, the member's overdue) and eight days of the
    scheduler's runs pass; ``check_news`` then reads every e-mail and inbox entry of a client.
    The vendor's reminders (the review, the plan nobody changed) go to the vendor side only."""
    today = utcnow().date()
    for n, action_id in enumerate(planted.shared["action_id"]):
        action = session.get(Action, action_id)
        assert action is not None
        action.due_on = today + timedelta(days=2 - 5 * n)
        session.add(action)
    session.flush()
    start = utcnow()
    for hour in range(0, 8 * 24, 3):
        jobs.run(session, now=start + timedelta(hours=hour))
    session.flush()
    sent = Counter(
        (mail.to_address, mail.headers.get(jobs.NOTICE_HEADER, ""))
        for mail in session.exec(select(OutboxMessage).where(OutboxMessage.unsubscribe != ""))
    )
    sponsor, member, viewer = (world.members[r].email for r in CLIENT_ROLES)
    for expected in (
        (sponsor, "digest.daily"),  # the plan's news and the due-soon reminder
        (member, "action.overdue"),
        (viewer, "digest.weekly"),
    ):
        if not sent[expected]:  # the checks of check_news are not vacuous
            leaks.problems.append(f"no {expected[1]} e-mail to {expected[0]}: {sorted(sent)}")
    vendor_only = {k.name for k in preferences.KINDS if k.vendor_only}
    for (to, kind), _ in sent.items():
        if to in (sponsor, member, viewer) and kind in vendor_only:
            leaks.problems.append(f"{kind} e-mail to the client {to}")


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
        leaks.text(
            f"e-mail to {mail.to_address}", f"{mail.subject}\n{mail.body_text}\n{mail.calendar}"
        )
    mentioned = {n.user_id for n in notes if n.kind == "mention"}
    if mentioned != {_id(world.members["sponsor"])}:
        leaks.problems.append(f"mentions reached clients {mentioned}, expected the sponsor only")
    # The requests to check what was sent did reach the client's sponsor and member (inbox and
    # e-mail), so the checks above read them too.
    for role in ("sponsor", "member"):
        person = world.members[role]
        kinds = Counter(n.kind for n in notes if n.user_id == _id(person))
        mails = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == person.email)
            .where(col(OutboxMessage.subject).contains("asks you to"))
        ).all()
        if kinds["validation.requested"] < 3 or kinds["stakeholder.sent"] != 1 or len(mails) < 4:
            leaks.problems.append(f"{role} was not asked to check what was sent: {kinds}")


# --------------------------------------------------------------------------------------------
# POSTs whose answers a client sees (sponsor and member write; the viewer comments, refused the rest)
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

    def post(
        url: str, data: Form, expect: int = 200, *, htmx: bool = True, discuss: bool = False
    ) -> Response:
        """``expect``: the status for the sponsor and the member (the viewer gets 403, except
        when ``discuss``: the viewer comments too). A redirect is followed: the page it leads to
        shows the flash, which the cookie hides."""
        response = client.post(url, data=data, headers=HTMX if htmx else {"X-CSRF-Token": CSRF})
        where = f"{role} POST {url}{' (htmx)' if htmx else ''}"
        check = leaks.validation if "/validation/" in url else leaks.response
        check(where, response)
        wanted = expect if writes or discuss else 403
        if response.status_code != wanted:
            leaks.problems.append(f"{where}: {response.status_code}, expected {wanted}")
        if response.status_code == 303:
            target = response.headers["location"]
            page = target.split("#")[0]
            followed = client.get(page)
            if VALIDATION_PAGE.match(page):
                leaks.validation(f"{where} → GET {page}", followed, page=True)
            else:
                leaks.response(f"{where} → GET {page}", followed)
        return response

    def version(model: type[Versioned], item_id: int) -> str:
        """The item's version as saved now."""
        session.expire_all()
        row = session.get(model, item_id)
        assert row is not None
        return str(row.version)

    def add_comment(thread: str, key: str, body: str, *, htmx: bool = True) -> None:
        """Comment (every client role, the viewer too); a comment made is shared, so the
        answer must show and count it."""
        headers = HTMX if htmx else {"X-CSRF-Token": CSRF}
        response = client.post(thread, data={"body": body}, headers=headers)
        if response.status_code != (200 if htmx else 303):
            leaks.problems.append(f"{role} POST {thread}: {response.status_code}")
        if response.status_code in (200, 303):
            session.expire_all()
            made = session.exec(
                select(Comment)
                .where(Comment.author_id == _user_id(session, role))
                .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
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
    post(planted.thread("priority", p1), {"body": ""}, 422, discuss=True)
    mine = session.exec(select(Comment).where(Comment.author_id == _user_id(session, role))).first()
    assert mine is not None
    edit = f"{account}/comments/{mine.id}/edit"
    post(edit, {"body": "Edited", "version": str(mine.version + 5)}, 409, discuss=True)
    post(edit, {"body": "", "version": str(mine.version)}, 422, discuss=True)
    post(edit, {"body": "Edited", "version": str(mine.version)}, discuss=True)
    # The joint review's shared minutes: what a client adds, a mistake, a closed review.
    open_review, closed_review = s["joint_review_id"]
    review_url = f"{account}/joint-reviews"
    post(f"{review_url}/{open_review}/decisions", {"text": "Client decision"})
    post(f"{review_url}/{open_review}/decisions", {"text": ""}, 422)
    post(f"{review_url}/{closed_review}/decisions", {"text": "Too late"}, 409)
    post(f"{review_url}/{open_review}/decisions", {"text": "Another"}, 303, htmx=False)
    # The key-account question: the sponsor's own answer, bad input, a stale form (the member
    # and the viewer are refused); the section it answers with shows no planted objective or
    # planned hours.
    key_url = f"{account}/plan/key-account"
    for data, wanted in (
        ({"answer": "yes", "words": "We want it", "based_on": "0"}, 200),
        ({"answer": "maybe", "based_on": "1"}, 422),
        ({"answer": "no", "based_on": "0"}, 409),
    ):
        answered = client.post(key_url, data=data, headers=HTMX)
        leaks.response(f"{role} POST {key_url}", answered)
        expected = wanted if role == "sponsor" else 403
        if answered.status_code != expected:
            leaks.problems.append(f"{role} POST {key_url}: {answered.status_code}, not {expected}")
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
    rated = {"overall": "7", "future_overall": "9", "dimension": dims, "score": ["7"] * len(dims)}
    post(f"{account}/ratings", rated)
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
    answer_validation(client, leaks, planted, session, role, post)
    choose_time_zone(client, leaks, role)


def choose_time_zone(client: TestClient, leaks: Leaks, role: str) -> None:
    """Every role sets its own time zone (a name refused, then one taken): the answers and the
    profile page; the pages fetched after it are then shown in that zone."""
    for zone, status in (("Mars/Olympus_Mons", 422), ("Asia/Tokyo", 303)):
        where = f"{role} POST /me/time-zone {zone}"
        response = client.post(
            "/me/time-zone", data={"time_zone": zone}, headers={"X-CSRF-Token": CSRF}
        )
        leaks.response(where, response)
        if response.status_code != status:
            leaks.problems.append(f"{where}: {response.status_code}, expected {status}")
    leaks.response(f"{role} GET /me (in Tokyo)", client.get("/me"))


def answer_validation(
    client: TestClient, leaks: Leaks, planted: Planted, session: Session, role: str, post: Post
) -> None:
    """The client answers what was sent (every answer checked by ``leaks.validation``); it
    cannot answer what was not sent, nor reach the vendor's side of the workspace."""
    account = f"/accounts/{planted.account_id}"
    goals, markets = planted.shared["section_id"]
    first, second = planted.shared["stakeholder_id"]
    writes = role != "viewer"

    def section_version(section_id: int) -> str:
        session.expire_all()
        section = session.get(ProfileSection, section_id)
        assert section is not None
        return profile.answer_version(section)

    def person_version(stakeholder_id: int) -> str:
        session.expire_all()
        person = session.get(Stakeholder, stakeholder_id)
        assert person is not None
        return stakeholders.shared_version(person)

    # Profile sections: bad input, a stale version, a confirmation, a changed correction.
    section = f"{account}/validation/profile"
    post(f"{section}/{goals}", {"decision": "maybe", "version": section_version(goals)}, 422)
    wrong = {"decision": "correct", "correction": " ", "version": section_version(goals)}
    post(f"{section}/{goals}", wrong, 422, htmx=False)
    post(f"{section}/{goals}", {"decision": "confirm", "version": "0"}, 409)
    post(f"{section}/{goals}", {"decision": "confirm", "version": section_version(goals)})
    post(
        f"{section}/{markets}",
        {
            "decision": "correct",
            "correction": "Grocers of every size in Spain, Portugal, Italy and Greece",
            "version": section_version(markets),
        },
        303,
        htmx=False,
    )
    # People sent for confirmation: bad input, a stale version, corrections (htmx and not).
    people = f"{account}/validation/stakeholders"
    post(f"{people}/{first}", {"decision": "", "version": person_version(first)}, 422)
    wrong = {"decision": "correct", "correction": "", "version": person_version(first)}
    post(f"{people}/{first}", wrong, 422, htmx=False)
    post(f"{people}/{first}", {"decision": "confirm", "version": "0|"}, 409)
    post(
        f"{people}/{first}",
        {"decision": "correct", "correction": "She is the COO", "version": person_version(first)},
    )
    post(
        f"{people}/{second}",
        {"decision": "correct", "correction": "He reports to the COO", "version": "0|"},
        409,
        htmx=False,
    )
    post(
        f"{people}/{second}",
        {"decision": "confirm", "version": person_version(second)},
        303,
        htmx=False,
    )

    # What was never sent (or withdrawn, or taken off the map) is not found, like a missing id.
    params = planted.internal_params
    for url in (
        *(f"{section}/{i}" for i in [*params["section_id"], 999_999]),
        *(f"{people}/{i}" for i in [*params["stakeholder_id"], 999_999]),
    ):
        for decision in ("confirm", "correct"):
            data = {"decision": decision, "correction": "x", "version": "x"}
            response = client.post(url, data=data, headers=HTMX)
            where = f"{role} POST {url} ({decision})"
            leaks.refused(where, response)
            if writes and response.status_code != 404:
                leaks.problems.append(f"{where}: {response.status_code}, expected 404")

    # Every other write of the workspace is the vendor's: refused to every client role, for
    # the items sent and the internal ones alike (collected from the router, like the pages).
    values: dict[str, Sequence[int | str]] = {
        "account_id": [planted.account_id],
        "kind": planted.kinds,
    }
    values["stakeholder_id"] = [*planted.shared["stakeholder_id"], *params["stakeholder_id"]]
    for param in (
        "opportunity_id",
        "review_id",
        "request_id",
        "attribute_id",
        "contact_id",
        "link_id",
        "tension_id",
    ):
        values[param] = params[param]
    values["joint_review_id"] = planted.shared["joint_review_id"]
    vendor_writes = [
        url
        for method, path in sorted(APP_ROUTES)
        if method == "POST" and WORKSPACE_WRITES.search(path) and "/validation/" not in path
        for url in fill(path, values)
    ]
    assert len(vendor_writes) > 50, vendor_writes
    for url in vendor_writes:
        response = client.post(url, data={"version": "1", "body": "x"}, headers=HTMX)
        where = f"{role} POST {url}"
        leaks.response(where, response)
        if response.status_code != 403:
            leaks.problems.append(f"{where}: {response.status_code}, expected 403")


# The vendor's writes in the strategy workspace (the client's answers are under /validation/).
WORKSPACE_WRITES = re.compile(
    r"/(?:profile|stakeholders|opportunities|results|reviews|mentor-requests|scorecard|contacts"
    r"|relationships/(?:links|tensions))(?:/|$)"
)


def waiting(session: Session, planted: Planted) -> int:
    """How many of the items sent wait for the client's answer now (read from the rows)."""
    session.expire_all()
    rows: list[ProfileSection | Stakeholder | None] = [
        *(session.get(ProfileSection, i) for i in planted.shared["section_id"]),
        *(session.get(Stakeholder, i) for i in planted.shared["stakeholder_id"]),
    ]
    return sum(1 for row in rows if row is not None and row.validation == Validation.PENDING)


def _user_id(session: Session, role: str) -> int:
    user = session.exec(select(User).where(User.email == f"{role}@client.example")).one()
    return _id(user)


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


def check_stream(
    client: TestClient, lead: TestClient, leaks: Leaks, planted: Planted, role: str
) -> None:
    """The plan's live event stream, replayed from its first event (``Last-Event-ID``): the
    client's holds no internal item's id (nor the marker), the vendor's does."""
    url = f"/accounts/{planted.account_id}/events"
    internal = {str(i) for ids in planted.internal.values() for i in ids}
    streams = {}
    for who, reader, first in ((role, client, "c0"), ("lead", lead, "v0")):
        answer = reader.get(url, headers={"Last-Event-ID": first})
        assert answer.status_code == 200, who
        assert answer.headers["content-type"].startswith("text/event-stream")
        items = {
            json.loads(line[6:])["item"]
            for line in answer.text.splitlines()
            if line.startswith("data: ")
        }
        streams[who] = (answer, items)
    answer, items = streams[role]
    leaks.text(f"{role} GET {url} (the event stream)", answer.text)
    leaks.checked += 1
    if items & internal:
        leaks.problems.append(f"{role} event stream names internal items {items & internal}")
    ids = [line for line in answer.text.splitlines() if line.startswith("id: ")]
    if ids != [f"id: c{n}" for n in range(1, len(ids) + 1)] or len(ids) < 10:
        leaks.problems.append(f"{role} event stream: ids {ids} are not c1, c2, ... (10 or more)")
    assert streams["lead"][1] & internal, "the vendor's stream names the internal items"


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_no_internal_item_reaches_a_client(
    role: str, app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    prefer_digests(session, world)
    planted = build_plan(session, world)
    leaks = Leaks(planted, lambda: waiting(session, planted))
    sign_in(client, session, world.members[role])
    send_api_token(client, session, world.members[role])

    # The plan really holds the internal content, and the vendor side sees it: the checks
    # below would catch it if it reached a client.
    lead = TestClient(app, follow_redirects=False)
    sign_in(lead, session, world.members["lead"])
    account = f"/accounts/{planted.account_id}"
    workspace = (
        "scorecard",
        "profile",
        "relationships",
        "opportunities",
        "results",
        "reviews",
        "plan/commitment",
    )
    for url in (
        f"{account}/plan",
        *planted.internal_threads,
        *(f"{account}/{page}" for page in workspace),
    ):
        seen = lead.get(url, headers={"HX-Request": "true"})
        assert seen.status_code == 200, url
        assert MARKER in seen.text, url
    # The room the client believes there is (its expected value against today's) is the
    # vendor's to read, on the plan and the perception page: never a client's (``Leaks.text``).
    for url in (f"{account}/plan", f"{account}/perception"):
        assert VENDOR_ONLY_WORDS.search(lead.get(url).text), url
    # The planned hours on the account's scorecard, the objectives on the workspace's.
    assert f"{MARKER}-planned-hours-note-1" in lead.get(f"{account}/scorecard").text
    admin = TestClient(app, follow_redirects=False)
    sign_in(admin, session, world.admin)
    assert f"{MARKER}-objective-title-2" in admin.get("/admin/scorecard").text
    # ... the goals and actuals too, on the account's results and in the portfolio.
    for url in (f"{account}/results", "/portfolio"):
        seen = lead.get(url)
        assert len(set(_AMOUNTS.findall(seen.text))) >= 2, url
    # ... while its preview of the client's validation page shows only what was sent.
    preview = lead.get(f"{account}/validation")
    assert preview.status_code == 200
    leaks.validation("lead GET /validation (the preview)", preview, page=True)
    # ... and the team member was told of the lead's mention on the draft, marker and all.
    team_news = session.exec(
        select(Notification).where(Notification.user_id == _id(world.members["team"]))
    ).all()
    assert any(MARKER in n.message for n in team_news)

    open_urls, internal_urls = urls_for(app, planted)
    api = [url for url in open_urls if url.startswith("/api/v1/accounts")]
    assert len(api) > 5, api  # every resource of the API, with the client's token
    resources = {
        "periods",
        "strategy",
        "suggestions",
        "ratings",
        "initiatives",
        "audit",
        "comments",
    }
    assert resources <= {url.rsplit("/", 1)[-1] for url in api}, api
    fetch_everything(client, leaks, open_urls, role)
    # The PDFs (the plan's and each version's) are read as text, so the sweep sees them.
    assert sum(url.endswith(".pdf") for url in open_urls) == 3
    shown = pdftext.text(client.get(f"{account}/plan.pdf").content)
    ranked = ("Grow in Spain", "Cut onboarding time", "Fewer support tickets")
    assert [shown.index(title) for title in ranked] == sorted(shown.index(t) for t in ranked)
    for url in internal_urls:
        for headers in ({}, {"HX-Request": "true"}):
            leaks.refused(
                f"{role} GET {url}{' (htmx)' if headers else ''}", client.get(url, headers=headers)
            )
    check_audit(client, leaks, planted, session, role)
    check_calendar(app, client, leaks, role)

    post_as_client(client, leaks, planted, session, role)
    write_through_api(client, leaks, planted, role)
    # After the client's changes, everything again (threads, counts and the trail changed).
    fetch_everything(client, leaks, open_urls, role)
    check_audit(client, leaks, planted, session, role)
    run_reminders_for_a_week(session, leaks, world, planted)
    check_news(session, leaks, world)
    check_stream(client, lead, leaks, planted, role)
    for version in session.exec(
        select(PlanVersion).where(PlanVersion.account_id == planted.account_id)
    ):
        leaks.text(f"version {version.number}", json.dumps(version.snapshot, ensure_ascii=False))

    leaks.assert_none()
    print(f"{role}: {leaks.checked} answers checked, {len(open_urls)} + {len(internal_urls)} URLs")
    assert leaks.checked > 400


def check_calendar(app: FastAPI, client: TestClient, leaks: Leaks, role: str) -> None:
    """The client person's calendar feed (turned on from /me, fetched without a session, as a
    calendar app does): nothing internal in it; it parses and holds their dates."""
    answer = client.post("/me/calendar", data={"csrf_token": CSRF})
    leaks.response(f"{role} POST /me/calendar", answer)
    found = re.search(r'value="http://testserver(/calendar/[A-Za-z0-9_-]{43}\.ics)"', answer.text)
    assert found, "the feed's address is shown"
    feed = TestClient(app).get(found.group(1))
    assert feed.status_code == 200
    leaks.response(f"{role} GET the calendar feed", feed)
    assert Calendar.from_ical(feed.content).walk("VEVENT"), "the feed is not empty"


def start_next_period(session: Session, world: World, planted: Planted) -> tuple[int, list[str]]:
    """The lead starts the next period, carrying every open item over, the marked draft too;
    the copies join what a client may see (the shared ones) or must never learn of. Returns
    the new period's plan id and the threads of the shared copies."""
    plan = session.get(Plan, planted.plan_id)
    assert plan is not None
    values = NextPeriod(
        "FY2099", date(2099, 1, 1), date(2099, 12, 31), planted.plan_id, frozenset()
    )
    result = periods.start_next(session, actor=world.members["lead"], current=plan, values=values)
    session.commit()
    for copy in result.copies["initiative"].values():
        if copy.visibility == Visibility.INTERNAL:
            planted.internal["initiative"].append(_id(copy))
            planted.internal_params["initiative_id"].append(_id(copy))
            planted.internal_threads.append(planted.thread("initiative", _id(copy)))
        else:
            planted.shared["initiative_id"].append(_id(copy))
    threads = [
        planted.thread(item_type, _id(copy))
        for item_type in ("priority", "initiative", "action")
        for copy in result.copies[item_type].values()
        if getattr(copy, "visibility", Visibility.SHARED) == Visibility.SHARED
    ]
    planted.shared["plan_id"] = [planted.plan_id, _id(result.plan)]
    return _id(result.plan), threads


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_no_internal_item_reaches_a_client_across_periods(
    role: str, app: FastAPI, client: TestClient, session: Session, world: World
) -> None:
    """After the next period started: the closed period's page, its agreement pages and
    threads, the new period with its carried copies (a draft among them), the rollover's
    notice and e-mail, and the trail's new events."""
    planted = build_plan(session, world)
    old = planted.plan_id
    new, carried_threads = start_next_period(session, world, planted)
    leaks = Leaks(planted, lambda: waiting(session, planted))
    lead = TestClient(app, follow_redirects=False)
    sign_in(lead, session, world.members["lead"])
    account = f"/accounts/{planted.account_id}"
    for url in (f"{account}/plans/{old}", f"{account}/plan", f"{account}/plans/{new}"):
        seen = lead.get(url)
        assert seen.status_code == 200, url
        assert MARKER in seen.text, url  # the draft, in both periods: the checks bite

    sign_in(client, session, world.members[role])
    first, second = planted.shared["version_id"]
    closed_period = [
        f"{account}/plans/{old}",
        f"{account}/plan/versions?period={old}",
        f"{account}/plan/changes?period={old}",
        f"{account}/plan/changes?summary=1&period={old}",
        f"{account}/plan/compare?period={old}",
        f"{account}/plan/compare?from={first}&to=current&period={old}",
        *planted.threads,
    ]
    fetch_everything(client, leaks, closed_period, role)
    # The new period's strategy threads start empty (comments stay with their period).
    for key in [k for k in planted.shared_comment_count if k.startswith("strategy-")]:
        planted.shared_comment_count[key] = 0
    new_period = [
        f"{account}/plan",
        f"{account}/plans/{new}",
        f"{account}/plan/compare?from={second}&to=current",
        "/inbox",
        *carried_threads,
    ]
    fetch_everything(client, leaks, new_period, role)
    for url in planted.internal_threads:
        leaks.refused(f"{role} GET {url}", client.get(url))
    check_audit(client, leaks, planted, session, role)
    check_news(session, leaks, world)
    leaks.assert_none()
    assert leaks.checked > 40


# --------------------------------------------------------------------------------------------
# Ids: a client cannot count internal items (nor other accounts' items) by the ids it sees
# --------------------------------------------------------------------------------------------


@dataclass
class Scene:
    """One account's shared content, as made by ``build_scene``."""

    account_id: int
    people: dict[str, User]
    values: dict[str, list[int | str]]  # path parameter -> the shared ids, in making order
    threads: list[str]


def build_scene(session: Session, world: World, *, noisy: bool) -> Scene:
    """The same shared content each time; when ``noisy``, internal items are made in between
    every step (team-only comments, a vendor-only notification, drafts, beliefs, people and
    profile sections never sent, internal audit events) and items of other accounts (a new
    account with its plan and invitation, a new user, a priority on another account)."""
    tag = "noisy" if noisy else "quiet"
    account = make_account(session, admin=world.admin, name=f"Scene {tag}")
    account_id = _id(account)
    people: dict[str, User] = {}
    for role in Role:
        vendor = role.side.value == "vendor"
        people[role.value] = make_user(
            session,
            email=f"{role.value}-{tag}@{'vendor' if vendor else 'client'}.example",
            name=role.label,
            workspace=world.workspace if vendor else None,
        )
        add_member(session, account=account, user=people[role.value], role=role, by=world.admin)
    lead, team, sponsor, member = (people[r] for r in ("lead", "team", "sponsor", "member"))
    plan = plans_repo.current(session, account_id=account_id)
    assert plan is not None
    members = [people[r.value] for r in Role]
    rounds = itertools.count(1)

    def target(item_type: str, item_id: int, section: str = "") -> comments_repo.ThreadTarget:
        found = comments_repo.find_target(
            session, account_id=account_id, item_type=item_type, item_id=item_id, section=section
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
            people=members,
        )

    def noise() -> None:
        """Internal items of this account, and items of others, made between shared ones."""
        if not noisy:
            return
        n = next(rounds)
        first = session.exec(
            select(Priority).where(Priority.plan_id == plan.id).order_by(col(Priority.created_at))
        ).first()
        if first is not None:
            comment(
                lead, target("priority", _id(first)), f"Team only {n} @Team member", team_only=True
            )
        draft = initiatives.create(
            session,
            actor=lead,
            plan=plan,
            values=InitiativeValues(title=f"Draft {n}", description="Internal", owner_id=_id(team)),
        )
        initiatives.update(
            session,
            actor=team,
            initiative=draft,
            values=InitiativeValues(
                title=f"Draft {n} edited", description="Internal", owner_id=_id(team)
            ),
            expected_version=draft.version,
        )
        comment(team, target("initiative", _id(draft)), f"On the draft {n}")
        perception.add_belief(
            session,
            actor=lead,
            plan=plan,
            values=BeliefValues(title=f"Belief {n}", hypothesis="Internal", priority_id=None),
        )
        stakeholders.add(
            session,
            actor=lead,
            account_id=account_id,
            checked=CheckedStakeholder(name=f"Unsent {n}", title="Internal"),
        )
        kinds = [k for k in ProfileKind if k != ProfileKind.GOALS]  # goals: sent below
        kind = kinds[n % len(kinds)]
        if profile_repo.get_for_write(session, account_id=account_id, kind=kind) is None:
            profile.save(
                session,
                actor=team,
                account_id=account_id,
                kind=kind,
                section=None,
                body=f"Internal {n}",
                expected_version=0,
            )
        other = make_account(session, admin=world.admin)
        make_user(session)
        other_plan = plans_repo.current(session, account_id=_id(world.other_account))
        assert other_plan is not None
        priorities.create(
            session,
            actor=world.admin,
            plan=other_plan,
            values=PriorityValues(title=f"Elsewhere {n}"),
        )
        assert other.id is not None

    noise()
    ranked = []
    for title in ("Grow in Spain", "Cut onboarding time"):
        ranked.append(
            priorities.create(
                session,
                actor=sponsor,
                plan=plan,
                values=PriorityValues(title=title, owner_id=_id(sponsor)),
            )
        )
        noise()
    entry = strategy.create(
        session,
        actor=sponsor,
        plan=plan,
        values=StrategyValues(kind="goal", text="Double revenue", horizon="next"),
    )
    noise()
    rating = value.rate(
        session,
        actor=sponsor,
        account=account,
        plan=plan,
        overall=6,
        scores=dict.fromkeys(DEFAULT_VALUE_DIMENSIONS, 6),
        comment="Fine",
    )
    noise()
    shown = []
    for title in ("Pilot", "Wizard"):
        made = initiatives.create(
            session,
            actor=lead,
            plan=plan,
            values=InitiativeValues(
                title=title,
                description=f"{title} in detail",
                owner_id=_id(lead),
                priority_ids=[_id(ranked[0])],
            ),
        )
        noise()
        initiatives.propose(session, actor=lead, initiative=made, expected_version=made.version)
        shown.append(made)
        noise()
    initiatives.answer(
        session,
        actor=sponsor,
        initiative=shown[0],
        status=InitiativeStatus.ACCEPTED,
        reason="Yes",
        expected_version=shown[0].version,
    )
    noise()
    comment(member, target("priority", _id(ranked[0])), "A question @Account lead")
    noise()
    comment(sponsor, target("priority", _id(ranked[0])), "Another")
    noise()
    comment(lead, target("initiative", _id(shown[0])), "Which shops? @Client sponsor")
    noise()
    made_action = actions.create(
        session,
        actor=member,
        plan=plan,
        checked=CheckedAction(
            "Book the workshop",
            "",
            _id(sponsor),
            None,
            "not_started",
            Link(priority_id=_id(ranked[0])),
        ),
    )
    noise()
    agreement.submit(session, actor=lead, plan=plan)
    agreement.approve(session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR)
    frozen = agreement.approve(session, actor=lead, plan=plan, slot=agreement.Slot.LEAD).version
    assert frozen is not None
    noise()
    suggestion = priorities.suggest(
        session, actor=lead, plan=plan, values=PriorityValues(title="Loyalty")
    )
    noise()
    boss = stakeholders.add(
        session,
        actor=lead,
        account_id=account_id,
        checked=CheckedStakeholder(name="Ana Ruiz", title="COO"),
    )
    noise()
    report = stakeholders.add(
        session,
        actor=lead,
        account_id=account_id,
        checked=CheckedStakeholder(name="Luis Moreno", title="Stores", reports_to_id=_id(boss)),
    )
    noise()
    stakeholders.send(session, actor=lead, account_id=account_id, people=[boss, report])
    noise()
    goals = profile.save(
        session,
        actor=lead,
        account_id=account_id,
        kind=ProfileKind.GOALS,
        section=None,
        body="Lead the south",
        expected_version=0,
    )
    assert goals is not None
    noise()
    profile.share(session, actor=lead, section=goals, expected_version=goals.version)
    noise()
    session.commit()
    threads = [
        target("priority", _id(ranked[0])).path,
        target("priority", _id(ranked[1])).path,
        target("initiative", _id(shown[0])).path,
        target("action", _id(made_action)).path,
        target("rating", _id(rating)).path,
        target("strategy", _id(plan), "goal").path,
    ]
    values: dict[str, list[int | str]] = {
        "account_id": [account_id],
        "priority_id": [_id(p) for p in ranked],
        "suggestion_id": [_id(suggestion)],
        "entry_id": [_id(entry)],
        "initiative_id": [_id(i) for i in shown],
        "action_id": [_id(made_action)],
        "version_id": [_id(frozen)],
        "section_id": [_id(goals)],
        "stakeholder_id": [_id(boss), _id(report)],
        "kind": [ProfileKind.GOALS.value],
        "token": ["x" * 43],
        "provider_key": ["nosuchprovider"],
    }
    return Scene(account_id, people, values, threads)


# Where a page names a row by its id: an id or anchor (``comment-59``, ``#initiative-3``), a path
# segment (``/comments/59/edit``, ``hx-post``, ``hx-target``, form actions, links), a link value
# (``initiative:3``), a query (``from=3``) and the item an audit row is about (``priority 3``).
ID_TOKENS = re.compile(
    r"\b[a-z](?:[a-z_]*[a-z])?(?:-[a-z](?:[a-z_]*[a-z])?)*-(\d+)\b(?![.:])"
    r"|/(\d+)(?=[/\"'?#&\s<]|$)"
    r"|\b(?:initiative|priority|action|comment|from|to|item)[:=](\d+)\b"
    r'|class="muted">[a-z_]+ (\d+)</span>'
    r"|\b\w+_ids?:</span> ([\d, \[\]—→]+)</div>"
)


# Numbers in those places that are no row's id: the charset, the value form's n-th dimension,
# a score out of ten, and the CSRF token (random per response, where ``-ab-12-`` can turn up).
NOT_IDS = re.compile(r'utf-8|-dim-\d+\b|\d/\d+|name="csrf[-_]token" (?:content|value)="[^"]*"')


def id_tokens(text: str) -> list[int]:
    found: list[int] = []
    for match in ID_TOKENS.finditer(NOT_IDS.sub("", text)):
        for group in match.groups():
            if group is not None:
                found += [int(n) for n in re.findall(r"\d+", group)]
    return found


@dataclass
class IdView:
    """What a client saw, each id replaced by its order of first appearance."""

    order: dict[int, int] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)

    def name(self, number: int) -> int:
        return self.order.setdefault(number, len(self.order))

    def see(self, url: str, response: Response) -> None:
        shown_url = re.sub(r"\d+", lambda m: f"#{self.name(int(m.group()))}", url)
        shown = [self.name(n) for n in id_tokens(read(response))]
        self.pages.append(f"{shown_url} {response.status_code}: {shown}")


def client_id_view(app: FastAPI, session: Session, scene: Scene, role: str) -> IdView:
    """Every page and partial a client role reads of the scene, and the answers to its posts."""
    client = TestClient(app, follow_redirects=False)
    sign_in(client, session, scene.people[role])
    send_api_token(client, session, scene.people[role])
    seen = IdView()
    account = f"/accounts/{scene.account_id}"
    urls = [
        url
        for path in get_routes(app)
        if "{target}" not in path
        for url in fill(path, scene.values)
    ]
    urls += [*scene.threads, f"{account}/audit?page=1", "/inbox", "/my/actions"]
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            seen.see(url, client.get(url, headers=headers))
    if role != "viewer":  # the partials its writes answer with
        for url, data in (
            (scene.threads[0], {"body": "Thank you"}),
            (f"{account}/priorities", {"title": "Open in Portugal", "importance": "high"}),
        ):
            seen.see(f"POST {url}", client.post(url, data=data, headers=HTMX))
        seen.see(f"{account}/plan", client.get(f"{account}/plan"))
        seen.see(f"{account}/audit", client.get(f"{account}/audit"))
    return seen


CLOSE = 10**6  # two random ids in [2**32, 2**53) this close: a chance of about 2**-33


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_ids_a_client_sees_do_not_count_internal_items(
    role: str, app: FastAPI, session: Session, world: World
) -> None:
    """The same shared content made twice, once with internal items and other accounts' items
    made in between: a client's pages show the same ids in the same places (each id replaced by
    its order of first appearance), and no two ids it sees are close (with sequential ids,
    ``comment-59`` and ``comment-61`` say that the vendor wrote ``comment-60`` in between)."""
    quiet = client_id_view(app, session, build_scene(session, world, noisy=False), role)
    noisy = client_id_view(app, session, build_scene(session, world, noisy=True), role)
    assert len(quiet.pages) == len(noisy.pages)
    differ = [f"{a}\n  {b}" for a, b in zip(quiet.pages, noisy.pages, strict=True) if a != b]
    assert not differ, f"{len(differ)} pages differ:\n" + "\n".join(differ[:10])
    for view in (quiet, noisy):
        ids = sorted(view.order)
        assert len(ids) > 20, ids
        close = [(a, b) for a, b in itertools.pairwise(ids) if b - a < CLOSE]
        assert not close, f"{len(close)} ids a client sees are close, e.g. {close[:5]}"


def test_the_id_reader_skips_the_csrf_token() -> None:
    """A random CSRF token can read like an anchor (``…-ab-12-…``); it is not an id."""
    page = (
        '<meta name="csrf-token" content="Xy-ab-12-Zq">'
        '<input type="hidden" name="csrf_token" value="Xy-ab-12-Zq"><a href="#comment-34">'
    )
    assert id_tokens(page) == [34]


def test_a_client_visible_webhook_gets_no_internal_event(
    session: Session, world: World, db: RollbackDatabase
) -> None:
    """Issue 14 §2: the sweep over webhook bodies. Before the plan and the vendor's workspace
    are planted, the workspace's admin registers an endpoint of every kind a client-visible
    endpoint may ask for and an internal one of every kind, each a real receiver on this
    machine; after the dispatcher sent everything, the client-visible receiver has no marker
    and names no internal item, while the internal one has the marker (so the check can fail)."""
    settings = default_settings()
    settings.webhook_allow_local = True
    assert world.admin.workspace_id is not None
    with receiver() as shared, receiver() as internal:
        for url, marked in ((shared.url, False), (internal.url, True)):
            kinds = [kind.key for kind in WEBHOOK_KINDS if marked or not kind.internal_only]
            webhooks.create(
                session,
                actor=world.admin,
                workspace_id=world.admin.workspace_id,
                values=EndpointValues(url, "", kinds, marked, True),
                app_key=settings.resolved_secret_key,
            )
        session.commit()
        planted = build_plan(session, world)
        session.commit()
        dispatcher = WebhookDispatcher(db, settings)
        while dispatcher.deliver_due():
            pass
    assert any(MARKER in body for body in internal.bodies())
    assert len(shared.bodies()) > 20
    assert len(internal.bodies()) > len(shared.bodies())
    hidden = {
        str(i)
        for word, ids in planted.internal.items()
        if word not in ("removed_stakeholder", "withdrawn_section")
        for i in ids
    }
    for got in shared.received:
        assert MARKER not in got.body
        assert MARKER not in json.dumps(got.headers)
        assert json.loads(got.body)["item_id"] not in hidden, got.body
