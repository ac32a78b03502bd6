"""What the API answers and takes: pydantic models, so that the OpenAPI document is exact."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models import (
    ActionStatus,
    BidReason,
    Horizon,
    Importance,
    InitiativeStatus,
    PlanStatus,
    PriorityStatus,
    Side,
    StrategyKind,
)

# The items a comment thread hangs on (``app.comments.repository.ITEM_TYPES``).
ThreadKind = Literal["priority", "initiative", "action", "rating", "strategy"]


class Person(BaseModel):
    id: int
    name: str


class Account(BaseModel):
    id: int
    name: str
    client: str = Field(description="The client organisation.")
    role: str | None = Field(description="Your role in the account; none for a workspace admin.")
    side: Side = Field(description="Your side: the vendor's or the client's.")
    period: str | None = Field(description="The period of the current plan.")


class AccountList(BaseModel):
    items: list[Account]


class Plan(BaseModel):
    id: int
    account_id: int
    period: str
    status: PlanStatus
    is_current: bool
    starts_on: date | None
    ends_on: date | None
    agreed_version: int = Field(description="The last agreed version; 0 when never agreed.")
    review_cadence_months: int


class Priority(BaseModel):
    id: int
    rank: int
    title: str
    description: str
    importance: Importance
    horizon: Horizon
    owner: Person | None


class PriorityList(BaseModel):
    items: list[Priority] = Field(description="The client's ranking, first first.")


class Action(BaseModel):
    id: int
    title: str
    outcome: str
    status: ActionStatus
    owner_id: int | None
    due_on: date | None
    priority_id: int | None
    initiative_id: int | None
    version: int = Field(description="Its version; the ETag is this number, quoted with a v.")
    created_at: datetime


class ActionPage(BaseModel):
    items: list[Action]
    next_cursor: str | None = Field(
        description="Send as ?cursor= for the next page; null on the last page."
    )


class ActionChange(BaseModel):
    """The fields to change; those not sent stay as they are (``due_on: null`` clears it)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=10_000)
    outcome: str | None = Field(default=None, max_length=10_000)
    status: ActionStatus | None = None
    due_on: date | None = None
    owner_id: int | None = Field(default=None, description="A member of the account, or null.")


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=100_000)
    team_only: bool = Field(default=False, description="Vendor side only: an internal comment.")


class CommentFields(BaseModel):
    id: int
    body: str
    team_only: bool
    author: Person
    created_at: datetime
    deleted: bool = Field(default=False, description="Deleted: its body is not shown.")


class Comment(CommentFields):
    """A comment on an action (``/actions/{action_id}/comments``)."""

    action_id: int


class ThreadComment(CommentFields):
    """A comment in the thread of any item that has one (``/threads/...``)."""

    item_type: ThreadKind
    item_id: int = Field(description="The item's id; for a strategy section, the plan's id.")
    section: str = Field(description="A strategy section's kind; '' for the other items.")


class ThreadCommentPage(BaseModel):
    items: list[ThreadComment] = Field(
        description="Oldest first: the latest page, or the one before."
    )
    next_cursor: str | None = Field(
        description="Send as ?cursor= for the earlier comments; null when there are none."
    )


class StrategyCreate(BaseModel):
    """A new entry at the end of its section of the client's strategy."""

    model_config = ConfigDict(extra="forbid")

    kind: StrategyKind
    text: str = Field(max_length=10_000)
    detail: str = Field(default="", max_length=100_000)
    horizon: Horizon | None = Field(default=None, description="A goal's horizon (goals only).")


class StrategyChange(BaseModel):
    """The fields to change; those not sent stay as they are (the section stays)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=10_000)
    detail: str | None = Field(default=None, max_length=100_000)
    horizon: Horizon | None = Field(default=None, description="A goal's horizon.")


class PeriodList(BaseModel):
    items: list[Plan] = Field(description="The current plan first, then closed ones, latest first.")


class StrategyEntry(BaseModel):
    id: int
    kind: str = Field(description="The strategy section the entry is in.")
    position: int
    text: str
    detail: str
    horizon: str | None = Field(description="A goal's horizon; null for other kinds.")
    version: int


class StrategyList(BaseModel):
    items: list[StrategyEntry] = Field(description="By section, then in the section's order.")


class Suggestion(BaseModel):
    id: int
    title: str
    description: str
    importance: Importance
    horizon: Horizon
    status: PriorityStatus = Field(description="suggested (waiting), active or rejected.")
    suggested_by_id: int | None
    answered_at: datetime | None
    answer_reason: str
    version: int


class SuggestionList(BaseModel):
    items: list[Suggestion] = Field(description="The vendor's suggestions in the current plan.")


class Rating(BaseModel):
    id: int
    overall: int = Field(description="The value today, 0 to 10.")
    scores: dict[str, int]
    future_overall: int | None = Field(
        description="The value the client expects the relationship to have, 0 to 10; null "
        "when not said."
    )
    future_scores: dict[str, int] = Field(description="The value expected, per dimension.")
    comment: str
    rated_by_id: int | None
    rated_at: datetime


class RatingList(BaseModel):
    items: list[Rating] = Field(description="The client's value ratings, oldest first.")


class Initiative(BaseModel):
    id: int
    title: str
    description: str
    value_for_client: str
    value_for_vendor: str
    status: InitiativeStatus
    owner_id: int | None
    priority_ids: list[int] = Field(description="The client's priorities it answers.")
    answer_reason: str
    version: int
    created_at: datetime


class InitiativeList(BaseModel):
    items: list[Initiative] = Field(description="The initiatives you can see, oldest first.")


class CommentPage(BaseModel):
    items: list[Comment] = Field(description="Oldest first: the latest page, or the one before.")
    next_cursor: str | None = Field(
        description="Send as ?cursor= for the earlier comments; null when there are none."
    )


class AuditEvent(BaseModel):
    occurred_at: datetime
    actor: str = Field(
        description="Who did it (the token, when through the API); '' for the system."
    )
    verb: str
    item_type: str
    item_id: str
    changes: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEvent] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Send as ?cursor= for older events; null on the last page."
    )


# --- The vendor's internal resources (a client's token gets 404) ------------------------------


class Score(BaseModel):
    current: float
    future: float
    tier: str
    note: str
    scored_by: str
    scored_at: datetime


class Scorecard(BaseModel):
    latest: Score | None
    history: list[Score] = Field(description="Every scoring, oldest first.")


class ProfileSection(BaseModel):
    kind: str
    body: str
    validation: str = Field(description="Whether it was sent to the client, and the answer.")
    client_correction: str
    updated_at: datetime
    version: int


class Profile(BaseModel):
    sections: list[ProfileSection]


class StakeholderContact(BaseModel):
    id: int
    person: Person = Field(description="Who on the vendor's team is in contact.")
    strength: str = Field(description="strong, good, weak or none (has not met them yet).")
    last_contact_on: date | None
    on_team: bool = Field(description="Whether they are still on the account team.")
    version: int


class Stakeholder(BaseModel):
    id: int
    name: str
    title: str
    department: str
    reports_to_id: int | None
    roles: list[str]
    is_economic_buyer: bool
    influence: str
    attitude: str
    level: str = Field(description="executive, management, operational, or '' (not recorded).")
    location: str
    motivations: str
    contacts: list[StakeholderContact] = Field(
        description="The team's contacts with them, the strongest first."
    )
    owner: Person | None = Field(description="The first of ``contacts`` (their strongest).")
    strength: str = Field(description="The first contact's strength; none without a contact.")
    last_contact_on: date | None = Field(description="The first contact's last contact.")
    version: int


class StakeholderList(BaseModel):
    items: list[Stakeholder] = Field(description="By name.")


class Opportunity(BaseModel):
    id: int
    title: str
    description: str
    size: int
    days: int
    status: str
    bid_reason: str = Field(
        description="The bid's outcome: why it was won, lost or dropped (one of "
        + ", ".join(f"'{r.value}'" for r in BidReason)
        + "); empty while open, and for a win given no reason."
    )
    bid_note: str = Field(description="What happened, in the team's words.")
    closed_on: date | None = Field(description="The day it was closed; none while open.")
    owner: Person | None
    version: int


class OpportunityList(BaseModel):
    items: list[Opportunity] = Field(description="Most recently changed first.")


class Review(BaseModel):
    id: int
    held_on: date
    participants: str
    what_changed: str
    mentor_comment: str
    signed_off_at: datetime | None
    version: int


class ReviewList(BaseModel):
    items: list[Review] = Field(description="The current plan's reviews, newest first.")


class SuggestionCreate(BaseModel):
    """A priority the vendor suggests to the client, who accepts or rejects it."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=10_000)
    description: str = Field(default="", max_length=10_000)
    importance: Importance = Importance.HIGH
    horizon: Horizon = Horizon.NEXT


class SuggestionRejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=10_000, description="Why: the vendor reads it.")


class RatingCreate(BaseModel):
    """The client's rating of the value it gets: 0 to 10 overall and per dimension, today and,
    optionally, as it expects it to be."""

    model_config = ConfigDict(extra="forbid")

    overall: int = Field(ge=0, le=10, description="0 to 10.")
    scores: dict[str, Annotated[int, Field(ge=0, le=10)]] = Field(
        default_factory=dict,
        description="The workspace's dimensions you rate, 0 to 10 each; the others unrated.",
    )
    future_overall: int | None = Field(
        default=None,
        ge=0,
        le=10,
        description="The value you expect the relationship to have, 0 to 10 (optional).",
    )
    future_scores: dict[str, Annotated[int, Field(ge=0, le=10)]] = Field(
        default_factory=dict,
        description="The value you expect per dimension, 0 to 10 each (with future_overall).",
    )
    comment: str = Field(default="", max_length=10_000)


class InitiativeCreate(BaseModel):
    """A vendor's initiative: a draft (internal) until it is proposed to the client."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    value_for_client: str = Field(default="", max_length=2000)
    value_for_vendor: str = Field(default="", max_length=2000)
    owner_id: int | None = Field(default=None, description="A vendor member, or null.")
    priority_ids: list[int] = Field(
        default_factory=list, max_length=100, description="Ranked priorities it answers."
    )


class InitiativeChange(BaseModel):
    """The fields to change; those not sent stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    value_for_client: str | None = Field(default=None, max_length=2000)
    value_for_vendor: str | None = Field(default=None, max_length=2000)
    owner_id: int | None = None
    priority_ids: list[int] | None = Field(default=None, max_length=100)


class InitiativeAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "decline", "park"]
    reason: str = Field(default="", max_length=2000, description="Required to decline or park.")
