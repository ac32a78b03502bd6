"""What the scheduler tells people, once a day each, at 08:00 where they live.

A run looks at every person whose local time is past 08:00 and whose day has not been handled
yet, and claims that day (``job_run`` ("day:<person>", <local date>): unique, so exactly once
across instances and runs). For each claimed day it gives the reminders that are relevant *now*
— an action due in 3 days or less, due today, or overdue; a review due within 14 days or
overdue; a plan nobody changed for 60 days — each once (``notice`` is unique on (person, key),
and the key names the item and its date: one overdue reminder per action and due date, never
one per day). Then it sends the person's daily digest and, on Mondays, the weekly one.

After downtime nothing is replayed: missed days are simply not claimed, and today's run gives
only what is still true today (an action that became overdue meanwhile gets its overdue
reminder, not the "due in 3 days" it missed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.db import absolute_url
from app.kit.clock import zone_of
from app.mail import outbox, unsubscribe
from app.models import Delivery, MailKind, Notice, Notification, Role, User
from app.notifications import preferences
from app.reminders import repository as repo
from app.reminders.repository import LedPlan, OwnedAction
from app.reviews.schedule import DUE_SOON_DAYS as REVIEW_SOON_DAYS
from app.reviews.schedule import next_review_on

NOTICE_HEADER = "X-Jointplan-Notice"  # the kind of notice, for mail filters
READY_HOUR = 8  # reminders and digests go at 08:00 local time
ACTION_SOON_DAYS = 3
STALE_DAYS = 60
SUMMARY_DAYS = 7
REMINDER_KINDS = (
    "action.due_soon",
    "action.due_today",
    "action.overdue",
    "review.due_soon",
    "review.overdue",
    "plan.stale",
)


@dataclass
class Zone:
    time_zone: str


@dataclass(frozen=True)
class Day:
    """One person's day, claimed by this run."""

    user: User
    zone: ZoneInfo
    today: date

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id


@dataclass(frozen=True)
class Reminder:
    user_id: int
    account_id: int
    kind: str
    key: str
    message: str
    link: str


@dataclass
class Report:
    days: int = 0
    reminders: int = 0
    mails: int = 0
    digests: int = 0


def day_job(user_id: int) -> str:
    return f"day:{user_id}"


def claim_days(session: Session, *, now: datetime) -> list[Day]:
    """The days of people past 08:00 local that nobody handled yet, claimed now."""
    ready: list[Day] = []
    for person in repo.people(session):
        zone = zone_of(person.user, Zone(person.zone_name))
        local = now.astimezone(zone)
        if local.hour >= READY_HOUR:
            ready.append(Day(person.user, zone, local.date()))
    pairs = [(day_job(d.user_id), d.today.isoformat()) for d in ready]
    taken = repo.claimed(session, jobs=[j for j, _ in pairs], slots=[s for _, s in pairs])
    wanted = [pair for pair in pairs if pair not in taken]
    got = set(repo.claim_all(session, job_slots=wanted))
    return [d for d, pair in zip(ready, pairs, strict=True) if pair in got]


def run(session: Session, *, now: datetime) -> Report:
    """Handle every person's day that is due (see the module's docstring)."""
    days = claim_days(session, now=now)
    report = Report(days=len(days))
    if not days:
        return report
    by_user = {d.user_id: d for d in days}
    ids = sorted(by_user)
    last = max(d.today for d in days)
    actions = repo.open_actions(session, owner_ids=ids, due_by=last + timedelta(SUMMARY_DAYS))
    plans = repo.led_plans(session, user_ids=ids)
    found = [
        *action_reminders(actions, by_user),
        *review_reminders(plans, by_user),
        *stale_reminders(plans, by_user, now),
    ]
    given = repo.given_keys(session, user_ids=ids, keys=[r.key for r in found])
    how = preferences.deliveries(
        session, user_ids=ids, kinds=[*REMINDER_KINDS, preferences.WEEKLY_SUMMARY]
    )
    for reminder in found:
        if (reminder.user_id, reminder.key) in given:
            continue
        delivery = how[(reminder.user_id, reminder.kind)]
        if delivery == Delivery.OFF:
            continue
        day = by_user[reminder.user_id]
        report.reminders += 1
        report.mails += give(session, day, reminder, delivery, now=now)
    session.flush()
    report.digests = send_digests(session, days, actions, how, now=now)
    return report


# --- Which reminders are due -------------------------------------------------------------------


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def action_reminders(actions: Iterable[OwnedAction], by_user: dict[int, Day]) -> list[Reminder]:
    found = []
    for row in actions:
        action = row.action
        day = by_user.get(action.owner_id or 0)
        if day is None or action.due_on is None:
            continue
        left = (action.due_on - day.today).days
        if left < 0:
            kind, when = "action.overdue", f"was due {action.due_on:%d %b %Y} ({_days(-left)} ago)"
        elif left == 0:
            kind, when = "action.due_today", "is due today"
        elif left <= ACTION_SOON_DAYS:
            kind, when = "action.due_soon", f"is due in {_days(left)}, on {action.due_on:%d %b %Y}"
        else:
            continue
        found.append(
            Reminder(
                user_id=day.user_id,
                account_id=action.account_id,
                kind=kind,
                key=f"{kind}:{action.id}:{action.due_on.isoformat()}",
                message=f"Your action “{action.title}” in {row.account_name} {when}.",
                link=f"/accounts/{action.account_id}/plan#action-{action.id}",
            )
        )
    return found


def review_reminders(plans: Iterable[LedPlan], by_user: dict[int, Day]) -> list[Reminder]:
    """To the lead and the mentor: the plan's next review within 14 days, or overdue."""
    found = []
    for led in plans:
        day = by_user.get(led.user_id)
        if day is None:
            continue
        plan = led.plan
        next_on = next_review_on(
            started_on=plan.created_at.date(),
            last_held_on=led.last_held_on,
            cadence_months=plan.review_cadence_months,
        )
        left = (next_on - day.today).days
        if left < 0:
            kind, when = "review.overdue", f"was due {next_on:%d %b %Y} ({_days(-left)} ago)"
        elif left <= REVIEW_SOON_DAYS:
            kind, when = "review.due_soon", f"is due on {next_on:%d %b %Y}"
        else:
            continue
        found.append(
            Reminder(
                user_id=led.user_id,
                account_id=plan.account_id,
                kind=kind,
                key=f"{kind}:{plan.id}:{next_on.isoformat()}",
                message=f"The review of {led.account_name}'s plan {plan.period} {when}.",
                link=f"/accounts/{plan.account_id}/reviews",
            )
        )
    return found


def stale_reminders(
    plans: Iterable[LedPlan], by_user: dict[int, Day], now: datetime
) -> list[Reminder]:
    """To the lead: nobody changed anything of the account for 60 days."""
    found = []
    for led in plans:
        day = by_user.get(led.user_id)
        changed = led.last_change or led.plan.created_at
        if day is None or led.role is not Role.LEAD or now - changed < timedelta(STALE_DAYS):
            continue
        since = changed.astimezone(day.zone).date()
        found.append(
            Reminder(
                user_id=led.user_id,
                account_id=led.plan.account_id,
                kind="plan.stale",
                key=f"plan.stale:{led.plan.id}:{since.isoformat()}",
                message=(
                    f"Nobody has changed {led.account_name}'s plan {led.plan.period} since "
                    f"{since:%d %b %Y} ({_days((day.today - since).days)})."
                ),
                link=f"/accounts/{led.plan.account_id}/plan",
            )
        )
    return found


# --- Giving them -------------------------------------------------------------------------------


def give(
    session: Session,
    day: Day,
    reminder: Reminder,
    delivery: Delivery,
    *,
    now: datetime,
) -> int:
    """Record the reminder (once: its key), put it in the inbox, and mail it now unless the
    person wants it in a digest. Returns the e-mails queued."""
    immediate = delivery == Delivery.IMMEDIATE
    session.add(
        Notice(
            user_id=day.user_id,
            account_id=reminder.account_id,
            kind=reminder.kind,
            key=reminder.key,
            message=reminder.message,
            link=reminder.link,
            delivery=delivery,
            created_at=now,
            digested_at=now if immediate else None,
        )
    )
    session.add(
        Notification(
            user_id=day.user_id,
            account_id=reminder.account_id,
            kind=reminder.kind,
            message=reminder.message,
            link=reminder.link,
            created_at=now,
        )
    )
    if not immediate:
        return 0
    outbox.enqueue(
        session,
        kind=MailKind.NOTIFICATION,
        account_id=reminder.account_id,
        to=day.user.email,
        subject=f"Jointplan: {reminder.message}"[:300],
        body=_body(session, day.user, [reminder.message], [reminder.link], "a reminder"),
        unsubscribe=unsubscribe.field(reminder.kind, day.user_id),
        headers={NOTICE_HEADER: reminder.kind},
    )
    return 1


def _body(
    session: Session, user: User, messages: Sequence[str], links: Sequence[str], what: str
) -> str:
    items = "\n\n".join(
        f"- {message}\n  {absolute_url(session, link)}"
        for message, link in zip(messages, links, strict=True)
    )
    return (
        f"Hello {user.display_name},\n\n{items}\n\n"
        f"This is {what} from Jointplan. Choose what you are told, and how, at "
        f"{absolute_url(session, '/me/notifications')}\n"
    )


# --- Digests -----------------------------------------------------------------------------------


def send_digests(
    session: Session,
    days: Sequence[Day],
    actions: Sequence[OwnedAction],
    how: dict[tuple[int, str], Delivery],
    *,
    now: datetime,
) -> int:
    """Each person's daily digest, and on Monday (their Monday) the weekly one."""
    ids = [d.user_id for d in days]
    mondays = {d.user_id for d in days if d.today.weekday() == 0}
    wanted = [Delivery.DAILY, *([Delivery.WEEKLY] if mondays else [])]
    member_of = repo.active_accounts(session, user_ids=ids)
    waiting: dict[tuple[int, str], list[Notice]] = defaultdict(list)
    for notice in repo.waiting_for_digest(session, user_ids=ids, deliveries=wanted):
        waiting[(notice.user_id, notice.delivery)].append(notice)
    sent = 0
    for day in days:
        uid = day.user_id
        accounts = member_of.get(uid, set())
        daily = waiting[(uid, Delivery.DAILY)]
        sent += _digest(session, day, daily, [], accounts, weekly=False, now=now)
        if uid not in mondays:
            continue
        summary = []
        if how[(uid, preferences.WEEKLY_SUMMARY)] == Delivery.WEEKLY:
            summary = _week_ahead(day, actions)
        weekly = waiting[(uid, Delivery.WEEKLY)]
        sent += _digest(session, day, weekly, summary, accounts, weekly=True, now=now)
    return sent


def _week_ahead(day: Day, actions: Sequence[OwnedAction]) -> list[OwnedAction]:
    horizon = day.today + timedelta(SUMMARY_DAYS)
    return [
        row
        for row in actions
        if row.action.owner_id == day.user_id
        and row.action.due_on is not None
        and row.action.due_on <= horizon
    ]


def _digest(
    session: Session,
    day: Day,
    notices: Sequence[Notice],
    summary: Sequence[OwnedAction],
    accounts: set[int],
    *,
    weekly: bool,
    now: datetime,
) -> int:
    """One digest e-mail of the notices (each marked sent in it) and, weekly, the summary. A
    notice of an account the person left meanwhile is dropped, as their inbox drops it."""
    for notice in notices:
        notice.digested_at = now
        session.add(notice)
    shown = [n for n in notices if n.account_id is None or n.account_id in accounts]
    messages = [n.message for n in shown]
    links = [n.link for n in shown]
    for row in summary:
        action = row.action
        assert action.due_on is not None
        state = "overdue since" if action.due_on < day.today else "due"
        messages.append(
            f"Your action “{action.title}” in {row.account_name}: {state} {action.due_on:%a %d %b}."
        )
        links.append(f"/accounts/{action.account_id}/plan#action-{action.id}")
    if not messages:
        return 0
    name, kind = (
        ("weekly", preferences.WEEKLY_DIGEST) if weekly else ("daily", preferences.DAILY_DIGEST)
    )
    outbox.enqueue(
        session,
        kind=MailKind.NOTIFICATION,
        to=day.user.email,
        subject=f"Jointplan: your {name} digest for {day.today:%a %d %b %Y}",
        body=_body(session, day.user, messages, links, f"your {name} digest"),
        unsubscribe=unsubscribe.field(kind, day.user_id),
        headers={NOTICE_HEADER: kind},
    )
    return 1
