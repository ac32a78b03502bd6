"""What "Waiting for you" shows of each kind, worked out from rows already loaded (no queries
here): a sentence with the exact count, each item with a direct link to where it is answered,
and the link to the place that lists them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from app.kit import numbers
from app.kit.dates import add_months
from app.kit.words import plural
from app.models import Plan, Role
from app.permissions.policy import Actor
from app.waiting.repository import CurrentPlan, Row

# The order kinds are listed in within an account: answers first, then one's own work.
ORDER = (
    "approval",
    "commitment",
    "suggestions",
    "strategy_suggestions",
    "proposals",
    "check",
    "rating",
    "actions",
    "mentions",
)


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    note: str = ""  # e.g. when an action is due
    overdue: bool = False
    opens: int | None = None  # a notification: marked read as it is opened (a button)
    # Answered in place (``templates/waiting/_answers.html``): the item's id, the version the
    # answer is based on; for an item to check, whether it is a "section" or a "person"; for
    # an action, its status.
    item_id: int = 0
    version: str = ""
    what: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of waiting item in one account."""

    key: str
    account_id: int
    heading: str  # the sentence, with its count
    link: str  # where all of them are answered
    entries: list[Entry] = field(default_factory=list)
    count: int = 1
    overdue: int = 0


@dataclass(frozen=True)
class AccountWaiting:
    account_id: int
    name: str
    role: str | None
    kinds: list[Kind]

    @property
    def total(self) -> int:
        return sum(k.count for k in self.kinds)


def ordered(kinds: Iterable[Kind]) -> list[Kind]:
    return sorted(kinds, key=lambda k: ORDER.index(k.key))


def _grouped(rows: Iterable[Row]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        found[row.account_id].append(row)
    return found


def _kinds(
    key: str,
    rows: Iterable[Row],
    heading: Callable[[int], str],
    section: str,
    entry: Callable[[Row], Entry],
) -> list[Kind]:
    """One kind per account that has rows: ``section`` is the path (after the account's) where
    they are all answered."""
    return [
        Kind(
            key,
            account_id,
            heading(len(found)),
            f"/accounts/{account_id}/{section}",
            [entry(row) for row in found],
            count=len(found),
        )
        for account_id, found in _grouped(rows).items()
    ]


def suggestions(rows: Sequence[Row]) -> list[Kind]:
    return _kinds(
        "suggestions",
        rows,
        lambda n: f"{plural(n, 'suggested priority', 'suggested priorities')} to answer",
        "plan#suggestions",
        lambda r: Entry(
            r.title,
            f"/accounts/{r.account_id}/plan#suggestion-{r.id}",
            item_id=r.id,
            version=r.version,
        ),
    )


def strategy_suggestions(rows: Sequence[Row]) -> list[Kind]:
    """Answered on the plan, where the suggestion stands in its section (a link, no control)."""
    return _kinds(
        "strategy_suggestions",
        rows,
        lambda n: (
            f"{plural(n, 'suggested strategy entry', 'suggested strategy entries')} to answer"
        ),
        "plan#strategy",
        lambda r: Entry(r.title, f"/accounts/{r.account_id}/plan#strategy-suggestion-{r.id}"),
    )


def proposals(rows: Sequence[Row]) -> list[Kind]:
    return _kinds(
        "proposals",
        rows,
        lambda n: f"{plural(n, 'proposal', 'proposals')} to answer",
        "plan#initiatives",
        lambda r: Entry(
            r.title,
            f"/accounts/{r.account_id}/plan#initiative-{r.id}",
            item_id=r.id,
            version=r.version,
        ),
    )


def check_heading(n: int) -> str:
    return f"{plural(n, 'item', 'items')} about your company {'waits' if n == 1 else 'wait'} for your check"


def mentions_heading(n: int) -> str:
    return f"{plural(n, 'unread mention', 'unread mentions')} of you in comments"


def counted(account_id: int, *, check: int, mentions: int) -> list[Kind]:
    """The kinds of one account known only by their count (its plan page's summary): the items
    waiting for the person's check, their unread mentions; each links to where they are listed."""
    found = []
    if check:
        link = f"/accounts/{account_id}/validation"
        found.append(Kind("check", account_id, check_heading(check), link, count=check))
    if mentions:
        found.append(
            Kind("mentions", account_id, mentions_heading(mentions), "/inbox", count=mentions)
        )
    return found


def to_check(rows: Sequence[Row], *, labels: dict[str, str]) -> list[Kind]:
    """Profile sections (``link`` "section", titled by their kind) and people ("person")."""

    def entry(row: Row) -> Entry:
        base = f"/accounts/{row.account_id}/validation"
        if row.link == "section":
            title, link = labels.get(row.title, row.title), f"{base}#validation-profile-{row.id}"
            note = ""
        else:
            title, link = row.title, f"{base}#confirm-stakeholder-{row.id}"
            note = "name, title, manager"
        return Entry(title, link, note, item_id=row.id, version=row.version, what=row.link)

    return _kinds(
        "check",
        rows,
        check_heading,
        "validation",
        entry,
    )


def approvals(
    plans: Sequence[Plan], roles: dict[int, Role | None], allowed: set[int]
) -> list[Kind]:
    """A submitted plan whose slot of the person's role (sponsor, lead) is still empty."""
    found = []
    for plan in plans:
        role = roles.get(plan.account_id)
        if plan.account_id not in allowed or role not in (Role.SPONSOR, Role.LEAD):
            continue
        approved = plan.sponsor_approved_by_id if role is Role.SPONSOR else plan.lead_approved_by_id
        if approved is not None:
            continue
        link = f"/accounts/{plan.account_id}/plan#agreement"
        found.append(
            Kind(
                "approval",
                plan.account_id,
                f"The plan {plan.period} waits for your approval",
                link,
                [Entry(f"Read the plan {plan.period}", link, item_id=plan.id or 0)],
            )
        )
    return found


def commitments(rows: Sequence[Row]) -> list[Kind]:
    """The plans whose lead asked the person to commit, not answered yet (internal: only the
    account team and the mentor are ever asked)."""
    return [
        Kind(
            "commitment",
            row.account_id,
            f"The account lead asks you to commit to the plan {row.title}",
            f"/accounts/{row.account_id}/plan#commitment",
            [
                Entry(
                    "Commit, or raise a concern",
                    f"/accounts/{row.account_id}/plan#commitment",
                    item_id=row.id,
                    version=row.version,
                )
            ],
        )
        for row in rows
    ]


def rating_due(current: CurrentPlan, actor: Actor) -> bool:
    """A value rating is due when the account was never rated, or its latest rating is older
    than the plan's review cadence (a re-rating each review, DESIGN.md §3.8), where the person
    lives."""
    if current.last_rated_at is None:
        return True
    rated_on = current.last_rated_at.astimezone(actor.zone).date()
    return add_months(rated_on, current.plan.review_cadence_months) <= actor.today()


def ratings(plans: Sequence[CurrentPlan], actor: Actor) -> list[Kind]:
    found = []
    for current in plans:
        if not rating_due(current, actor):
            continue
        account_id = current.plan.account_id
        link = f"/accounts/{account_id}/plan#value"
        if current.last_rated_at is None:
            title, heading = "Give the first rating", "A value rating is due: nobody has rated yet"
        else:
            rated_on = current.last_rated_at.astimezone(actor.zone).date()
            title = f"Rate again (last rated {day(rated_on)})"
            heading = "A value rating is due"
        found.append(Kind("rating", account_id, heading, link, [Entry(title, link)]))
    return found


def day(on: date) -> str:
    """A calendar day as the reminders write it, without a leading zero: 5 Dec 2026
    (``app.kit.numbers.date``)."""
    return numbers.date(on)


def _action_entry(row: Row, today: date) -> Entry:
    link = f"/accounts/{row.account_id}/plan#action-{row.id}"
    entry = Entry(row.title, link, item_id=row.id, version=row.version, what=row.link)
    if row.due_on is None:
        return replace(entry, note="no due date")
    if row.due_on < today:
        return replace(entry, note=f"overdue since {day(row.due_on)}", overdue=True)
    if row.due_on == today:
        return replace(entry, note="due today")
    return replace(entry, note=f"due {day(row.due_on)}")


def actions(rows: Sequence[Row], today: date, *, listed: bool = True) -> list[Kind]:
    """The person's open actions, overdue ones flagged (``today`` where the person lives);
    ``listed=False``: their counts only, no entries (the plan page's summary lists none)."""
    found = []
    for account_id, mine in _grouped(rows).items():
        entries = [_action_entry(row, today) for row in mine] if listed else []
        late = sum(1 for row in mine if row.due_on is not None and row.due_on < today)
        heading = plural(len(mine), "open action", "open actions") + " of yours"
        if late:
            heading += f", {late} overdue"
        link = f"/accounts/{account_id}/plan#actions"
        found.append(Kind("actions", account_id, heading, link, entries, len(mine), late))
    return found


def mentions(rows: Sequence[Row]) -> list[Kind]:
    """Unread mentions: each opens its comment and is marked read (the inbox's own button);
    all of them are in the inbox."""
    found = _kinds(
        "mentions",
        rows,
        mentions_heading,
        "plan",
        lambda r: Entry(r.title, r.link, opens=r.id),
    )
    return [replace(kind, link="/inbox") for kind in found]
