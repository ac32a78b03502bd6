"""What the API answers and takes: pydantic models, so that the OpenAPI document is exact."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import ActionStatus, Horizon, Importance, PlanStatus, Side


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


class Comment(BaseModel):
    id: int
    action_id: int
    body: str
    team_only: bool
    author: Person
    created_at: datetime
