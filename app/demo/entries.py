"""The shapes of the demo's story: what each table of the TOML files under ``story/`` becomes.

Every entry is a frozen dataclass; ``app.demo.read`` builds them from the files and refuses an
unknown or missing key, a value of the wrong type and a name that no entry defines, naming the
file and the entry. Names that refer to other entries have their own types: a field called
``key`` (or ``name``) of such a type defines a name; any other field of that type refers to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NewType

from app.models import (
    ActionStatus,
    BidReason,
    Delivery,
    Horizon,
    Importance,
    InitiativeStatus,
    KeyAccountWish,
    Level,
    LinkKind,
    OpportunityStatus,
    ProfileKind,
    Role,
    StrategyKind,
    Validation,
    WorkspaceRole,
)

Person = NewType("Person", str)  # who acts: a sign-in of people.toml or a portfolio sponsor
AccountName = NewType("AccountName", str)
PriorityKey = NewType("PriorityKey", str)
InitiativeKey = NewType("InitiativeKey", str)
ActionKey = NewType("ActionKey", str)
ContactKey = NewType("ContactKey", str)
# Each type of name, as an error message calls it.
NAMES = {
    Person: "person",
    AccountName: "account",
    PriorityKey: "priority",
    InitiativeKey: "initiative",
    ActionKey: "action",
    ContactKey: "contact",
}


def one_of(where: str, **options: object) -> None:
    """Exactly one of ``options`` is given (not None)."""
    given = [name for name, value in options.items() if value is not None]
    if len(given) != 1:
        raise ValueError(f"{where} takes exactly one of {', '.join(options)} (got {given or 0})")


# --- people.toml: who signs in, and the accounts outside the portfolio ----------------------


@dataclass(frozen=True, kw_only=True)
class WorkspaceEntry:
    name: str
    time_zone: str  # where its people who chose no zone of their own live


@dataclass(frozen=True, kw_only=True)
class SignIn:
    """One person who signs in to the demo, and their workspace (None: a client)."""

    key: Person
    email: str
    name: str
    what: str  # as the sign-in list describes them
    workspace: str | None = None
    role: WorkspaceRole | None = None
    zone: str = ""  # their own time zone; "" = their workspace's (a client: their account's)


@dataclass(frozen=True, kw_only=True)
class Member:
    who: Person
    role: Role


@dataclass(frozen=True, kw_only=True)
class NewAccount:
    """An account a workspace admin opens, its lead invited by e-mail; ``accepted_by`` accepts
    (if anyone does) and adds the ``members``."""

    name: AccountName  # the client's name and the account's
    opened_by: Person
    lead_email: str
    accepted_by: Person | None = None
    period: str = "FY2027"
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Cast:
    password: str
    workspaces: tuple[WorkspaceEntry, ...]
    sign_ins: tuple[SignIn, ...]  # in the order they are made and the sign-in list shows them
    harbor: NewAccount  # opened first: the story told in full
    elsewhere: NewAccount  # opened last, in the other workspace

    def __post_init__(self) -> None:
        names = {w.name for w in self.workspaces}
        for sign_in in self.sign_ins:
            if sign_in.workspace is not None and sign_in.workspace not in names:
                raise ValueError(f"{sign_in.key}: no workspace is called {sign_in.workspace!r}")


# --- A plan's story: harbor.toml, previous.toml and each case of portfolio.toml --------------


class Part(StrEnum):
    """The parts of a plan's story, played in the order the story lists them."""

    NOTICES = "notices"
    STRATEGY = "strategy"
    PRIORITIES = "priorities"
    RATINGS = "ratings"
    INITIATIVES = "initiatives"
    ACTIONS = "actions"
    COMMENTS = "comments"
    PERCEPTION = "perception"
    AGREEMENT = "agreement"
    READ = "read"  # everyone on the plan reads their inbox
    CHANGES = "changes"


@dataclass(frozen=True, kw_only=True)
class Strategy:
    kind: StrategyKind
    text: str
    detail: str = ""
    horizon: Horizon | None = None


@dataclass(frozen=True, kw_only=True)
class SuggestedEntry(Strategy):
    """An entry a vendor person (``by``) suggests for the client's strategy; it waits for the
    client's answer."""

    by: Person


@dataclass(frozen=True, kw_only=True)
class Stating:
    """A priority as the client states it (added, accepted from a suggestion, or revised)."""

    title: str
    description: str = ""
    importance: Importance = Importance.HIGH
    horizon: Horizon = Horizon.NEXT
    owner: Person | None = None


@dataclass(frozen=True, kw_only=True)
class Stated(Stating):
    key: PriorityKey
    moved_up: bool = False  # moved up one place right after it was added


@dataclass(frozen=True, kw_only=True)
class Rejection:
    by: Person
    reason: str


@dataclass(frozen=True, kw_only=True)
class Suggestion(Stating):
    """A priority the vendor suggests (nobody owns it yet), and the client's answer (neither:
    still waiting)."""

    key: PriorityKey
    by: Person
    accepted_as: Stating | None = None
    rejected: Rejection | None = None

    def __post_init__(self) -> None:
        if self.owner is not None:
            raise ValueError("a suggestion has no owner until the client accepts it")


@dataclass(frozen=True, kw_only=True)
class Rating:
    """The client's value rating, dated ``days_ago``. ``scores``: one per dimension in the
    workspace's order; none: ``overall`` on every dimension. ``future``: the value the client
    expects the relationship to have (none: not said), ``future_scores`` likewise per dimension
    (none: not said per dimension)."""

    days_ago: int
    overall: int
    scores: tuple[int, ...] = ()
    comment: str = ""
    future: int | None = None
    future_scores: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Answer:
    status: InitiativeStatus
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Idea:
    """An initiative; proposed unless it stays a draft, and answered (or not)."""

    key: InitiativeKey
    by: Person
    title: str
    description: str = ""
    for_client: str = ""
    for_us: str = ""
    owner: Person | None = None
    answers: tuple[PriorityKey, ...] = ()  # the priorities it serves
    proposed: bool = True
    answer: Answer | None = None


@dataclass(frozen=True, kw_only=True)
class Step:
    """A joint action, serving one priority or one initiative (or nothing yet)."""

    key: ActionKey
    by: Person
    title: str
    outcome: str = ""
    owner: Person | None = None
    due_in_days: int | None = None  # negative: overdue
    status: ActionStatus = ActionStatus.NOT_STARTED
    priority: PriorityKey | None = None
    initiative: InitiativeKey | None = None

    def __post_init__(self) -> None:
        if self.priority is not None and self.initiative is not None:
            raise ValueError(f"action {self.key!r} serves a priority or an initiative, not both")


@dataclass(frozen=True, kw_only=True)
class Remark:
    """A comment on a priority's thread or on a section of the strategy."""

    by: Person
    body: str
    priority: PriorityKey | None = None
    strategy: StrategyKind | None = None
    team_only: bool = False

    def __post_init__(self) -> None:
        one_of("a comment", priority=self.priority, strategy=self.strategy)


@dataclass(frozen=True, kw_only=True)
class Belief:
    title: str
    hypothesis: str
    priority: PriorityKey | None = None  # the client's priority it stands for, if any


@dataclass(frozen=True, kw_only=True)
class Believed:
    """The rating the vendor believes the client would give (``scores`` by dimension; none:
    ``overall`` on every one), dated ``days_ago`` (None: now)."""

    overall: int
    days_ago: int | None = None
    scores: dict[str, int] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Agreement:
    """Who submits the plan and who approves it in the sponsor's and the lead's slot."""

    submitted_by: Person
    sponsor: Person
    lead: Person


@dataclass(frozen=True, kw_only=True)
class Change:
    """One change after the agreement: a priority moved up or revised, an action started (by
    its owner or anyone on the plan), or a new action (by whom the action says)."""

    by: Person | None = None
    move_up: PriorityKey | None = None
    revise: PriorityKey | None = None
    description: str = ""  # the revised priority's new description
    start: ActionKey | None = None
    action: Step | None = None

    def __post_init__(self) -> None:
        one_of(
            "a change",
            move_up=self.move_up,
            revise=self.revise,
            start=self.start,
            action=self.action,
        )
        if (self.by is None) != (self.action is not None):
            raise ValueError("a change names who makes it (`by`), unless it is a new action")


FULL_STORY = tuple(Part)


@dataclass(frozen=True, kw_only=True)
class PlanStory:
    """What happens on one plan, part by part in ``order``; every part may be empty."""

    order: tuple[Part, ...] = FULL_STORY
    notices: dict[Person, dict[str, Delivery]] = field(default_factory=dict)
    strategy_by: Person | None = None
    strategy: tuple[Strategy, ...] = ()
    strategy_suggestions: tuple[SuggestedEntry, ...] = ()
    priorities_by: Person | None = None  # adds the priorities and answers the suggestions
    priorities: tuple[Stated, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    ratings_by: Person | None = None
    ratings: tuple[Rating, ...] = ()
    proposed_by: Person | None = None
    answered_by: Person | None = None
    initiatives: tuple[Idea, ...] = ()
    actions: tuple[Step, ...] = ()
    comments: tuple[Remark, ...] = ()
    believed_by: Person | None = None
    beliefs: tuple[Belief, ...] = ()
    believed: Believed | None = None
    agreement: Agreement | None = None
    changes: tuple[Change, ...] = ()

    def __post_init__(self) -> None:
        for part, by in (
            ("strategy", self.strategy_by),
            ("priorities", self.priorities_by),
            ("ratings", self.ratings_by),
            ("initiatives", self.proposed_by),
            ("beliefs", self.believed_by),
        ):
            if getattr(self, part) and by is None:
                raise ValueError(f"{part} are written, but nobody is named to write them")


@dataclass(frozen=True, kw_only=True)
class NextPeriod:
    """The lead closes the period and starts the next; only ``carried_over`` goes on."""

    period: str
    starts_on: date
    ends_on: date
    carried_over: tuple[ActionKey, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Previous:
    """previous.toml: the period before Harbor's current one, closed when the lead starts it."""

    period: str
    starts_on: date
    ends_on: date
    lead: Person
    plan: PlanStory
    next: NextPeriod


# --- portfolio.toml: the vendor's other accounts ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Client:
    """A client's person made for the demo, who does not sign in."""

    key: Person
    email: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Case:
    account: NewAccount
    sponsor: Client
    started_days_ago: int  # when the plan began (its first review is due a cadence later)
    plan: PlanStory


@dataclass(frozen=True, kw_only=True)
class Portfolio:
    order: tuple[Part, ...]  # how every case's plan story goes
    cases: tuple[Case, ...]


# --- joint_reviews.toml: Harbor's quarterly reviews with the client ---------------------------


@dataclass(frozen=True, kw_only=True)
class Decision:
    by: Person
    text: str


@dataclass(frozen=True, kw_only=True)
class ReviewRating:
    by: Person
    overall: int
    scores: tuple[int, ...]  # one per dimension, in the workspace's order
    comment: str
    future: int | None = None  # the value expected in the future (none: not said)
    future_scores: tuple[int, ...] = ()  # likewise per dimension


@dataclass(frozen=True, kw_only=True)
class JointReviews:
    """The review held ``held_days_ago`` and closed with its minutes; the next, scheduled."""

    held_days_ago: int
    zone: str
    at_hour: int
    duration: int  # minutes
    run_by: Person  # schedules, closes
    attendees: tuple[Person, ...]
    decisions: tuple[Decision, ...]
    action: Step  # recorded in the meeting (due in days from the server's date)
    rating: ReviewRating  # given in the meeting; the same person confirms the ranking
    next_in_days: int


# --- workspace.toml: the vendor's internal strategy workspace ---------------------------------


@dataclass(frozen=True, kw_only=True)
class Scoring:
    account: AccountName
    days_ago: int
    scores: tuple[int, ...]  # per attribute, in models.DEFAULT_SCORECARD's order
    note: str  # on the first attribute


class Sharing(StrEnum):
    NOT = "not"
    NOW = "now"
    LATER = "later"  # after the client has read their inbox, so it waits for them there


@dataclass(frozen=True, kw_only=True)
class ProfileAnswer:
    decision: Validation
    correction: str = ""


@dataclass(frozen=True, kw_only=True)
class Section:
    kind: ProfileKind
    body: str
    shared: Sharing = Sharing.NOT
    answer: ProfileAnswer | None = None


@dataclass(frozen=True, kw_only=True)
class Opportunity:
    title: str
    size: int
    days: int  # to win
    ratings: dict[str, int]
    status: OpportunityStatus
    priority: PriorityKey | None = None  # the Harbor priority it answers
    reason: BidReason | None = None  # why it was won, lost or dropped
    note: str = ""  # what happened, in the team's words


@dataclass(frozen=True, kw_only=True)
class Goal:
    """The vendor's own goals for the account told in full, for the year ``years_ago`` (0:
    this one): revenue and margin in whole units, share of wallet in percent."""

    years_ago: int
    revenue: int
    margin: int
    share_of_wallet: int


@dataclass(frozen=True, kw_only=True)
class Actual:
    """What one quarter really brought: ``quarters_ago`` counts back from the current quarter
    (0: the current one, which has begun)."""

    quarters_ago: int
    revenue: int
    margin: int
    share_of_wallet: int


@dataclass(frozen=True, kw_only=True)
class TeamContact:
    """Someone of the vendor in contact with a person on the map."""

    who: Person
    strength: str
    days_ago: int | None = None  # the last contact


@dataclass(frozen=True, kw_only=True)
class Contact:
    """A person on the map; ``known_by``: who of the vendor is in contact with them."""

    key: ContactKey
    name: str
    title: str
    department: str
    influence: str
    attitude: str
    motivations: str
    manager: ContactKey | None = None
    roles: tuple[str, ...] = ()
    decision: str = ""
    level: Level = Level.UNKNOWN
    location: str = ""
    known_by: tuple[TeamContact, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PersonLink:
    """One person of the map influences, blocks or keeps us from another."""

    who: ContactKey
    kind: LinkKind
    whom: ContactKey
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Tension:
    """A tension between two departments of the client."""

    first: str
    second: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Confirmation:
    who: ContactKey
    correction: str = ""  # "": confirmed


@dataclass(frozen=True, kw_only=True)
class Meeting:
    """A quarterly review recorded by the vendor, and the mentor's sign-off ("": not yet)."""

    account: AccountName
    days_ago: int
    participants: str
    what_changed: str
    mentor_comment: str = ""


@dataclass(frozen=True, kw_only=True)
class MentorRequest:
    """A request to the mentor, on the plan or on an initiative, and her answer ("": waits)."""

    note: str
    initiative: InitiativeKey | None = None
    answer: str = ""


@dataclass(frozen=True, kw_only=True)
class TeamAnswer:
    """One answer to the lead's request to commit to the plan: a concern ("": commits)."""

    who: Person
    concern: str = ""


@dataclass(frozen=True, kw_only=True)
class Objective:
    """One of the workspace's strategic objectives and the recommended attributes serving it
    (by name)."""

    title: str
    description: str = ""
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Hours:
    """The hours the account team plans on an account this quarter."""

    account: AccountName
    hours: int
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class KeyAccountReply:
    """The client sponsor's answer to a key-account relationship, in their words."""

    answer: KeyAccountWish
    words: str = ""


@dataclass(frozen=True, kw_only=True)
class StrategyWorkspace:
    scorecard_by: Person
    by: Person  # scores, writes the profile, maps the people, adds opportunities and reviews
    client: Person  # answers for the account
    mentor: Person
    account: AccountName  # the account told in full
    scorings: tuple[Scoring, ...]
    profile: tuple[Section, ...]
    opportunities: tuple[Opportunity, ...]
    goals: tuple[Goal, ...]
    actuals: tuple[Actual, ...]
    contacts: tuple[Contact, ...]
    sent_for_confirmation: tuple[ContactKey, ...]
    confirmations: tuple[Confirmation, ...]
    links: tuple[PersonLink, ...] = ()
    tensions: tuple[Tension, ...] = ()
    plan_started_days_ago: int
    believed_before: tuple[Believed, ...]
    reviews: tuple[Meeting, ...]
    mentor_requests: tuple[MentorRequest, ...]
    other_reviews: tuple[Meeting, ...]
    # The lead asks the team and the mentor to commit to the plan before submitting it again.
    commitment: tuple[TeamAnswer, ...] = ()
    # Selection that acts: the objectives stated first, the team's hours, the client's answer.
    objectives: tuple[Objective, ...] = ()
    planned_hours: tuple[Hours, ...] = ()
    key_account: KeyAccountReply | None = None
