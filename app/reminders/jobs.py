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
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.db import absolute_url
from app.kit.clock import zone_named
from app.kit.dates import next_review_on
from app.kit.words import possessive
from app.mail import outbox, unsubscribe
from app.mail.unsubscribe import NOTICE_HEADER
from app.models import Delivery, MailKind, Notice, Notification, Role, User
from app.notifications import preferences
from app.reminders import repository as repo
from app.reminders.repository import LedPlan, OwnedAction
from app.reviews.schedule import DUE_SOON_DAYS as REVIEW_SOON_DAYS

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
    workspace_id: int  # the account's: its admins see the e-mail if it cannot be delivered
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
        zone = zone_named(person.user.time_zone or person.home_zone)
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
    origins = repo.origins(session, action_ids=[row.action.id or 0 for row in actions])
    found = [
        *action_reminders(actions, by_user, origins),
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


@dataclass(frozen=True)
class DueRule:
    """When something due on a day is reminded of: ``<item>.due_soon`` within ``soon_days``,
    ``<item>.due_today`` on the day (when ``today``; else that is still "soon"), and
    ``<item>.overdue`` after it."""

    item: str
    soon_days: int
    today: bool


ACTION_DUE = DueRule("action", ACTION_SOON_DAYS, today=True)
REVIEW_DUE = DueRule("review", REVIEW_SOON_DAYS, today=False)


def due(rule: DueRule, on: date, today: date) -> tuple[str, str] | None:
    """The reminder's kind and how it says when, as of ``today``; None: nothing to remind of."""
    left = (on - today).days
    if left < 0:
        return f"{rule.item}.overdue", f"was due {on:%d %b %Y} ({_days(-left)} ago)"
    if left == 0 and rule.today:
        return f"{rule.item}.due_today", "is due today"
    if left > rule.soon_days:
        return None
    counted = f"in {_days(left)}, " if rule.today else ""
    return f"{rule.item}.due_soon", f"is due {counted}on {on:%d %b %Y}"


@dataclass(frozen=True)
class Dated:
    """Something due on a day, about to be reminded of: to whom, what it is (``about``: the id
    its reminders are keyed by), the sentence that says when it is due begins with ``what``."""

    to: int
    account_id: int
    workspace_id: int
    about: int
    on: date
    what: str
    link: str


def due_reminder(rule: DueRule, dated: Dated, today: date) -> Reminder | None:
    """The reminder ``rule`` gives of ``dated`` as of ``today`` (keyed by what it is about and
    the day it is due: given once), or None."""
    reminded = due(rule, dated.on, today)
    if reminded is None:
        return None
    kind, when = reminded
    return Reminder(
        user_id=dated.to,
        account_id=dated.account_id,
        workspace_id=dated.workspace_id,
        kind=kind,
        key=f"{kind}:{dated.about}:{dated.on.isoformat()}",
        message=f"{dated.what} {when}.",
        link=dated.link,
    )


def action_reminders(
    actions: Iterable[OwnedAction], by_user: dict[int, Day], origins: dict[int, int]
) -> list[Reminder]:
    """To the owner: an action due in 3 days, today, or overdue. The reminder's key names the
    action its carried copies began with (``origins``), so an action carried into the next
    period is not reminded again of the date it was reminded of in the previous one."""
    found = []
    for row in actions:
        action, day = row.action, by_user.get(row.action.owner_id or 0)
        if day is None or action.due_on is None or action.id is None:
            continue
        dated = Dated(
            to=day.user_id,
            account_id=action.account_id,
            workspace_id=row.workspace_id,
            about=origins.get(action.id, action.id),
            on=action.due_on,
            what=f"Your action “{action.title}” in {row.account_name}",
            link=f"/accounts/{action.account_id}/plan#action-{action.id}",
        )
        found.append(due_reminder(ACTION_DUE, dated, day.today))
    return [r for r in found if r is not None]


def review_reminders(plans: Iterable[LedPlan], by_user: dict[int, Day]) -> list[Reminder]:
    """To the lead and the mentor: the plan's next review within 14 days, or overdue."""
    found = []
    for led in plans:
        day, plan = by_user.get(led.user_id), led.plan
        if day is None or plan.id is None:
            continue
        zone = zone_named(led.workspace_zone)
        dated = Dated(
            to=led.user_id,
            account_id=plan.account_id,
            workspace_id=led.workspace_id,
            about=plan.id,
            on=next_review_on(plan, last_held_on=led.last_held_on, zone=zone),
            what=f"The review of {possessive(led.account_name)} plan {plan.period}",
            link=f"/accounts/{plan.account_id}/reviews",
        )
        found.append(due_reminder(REVIEW_DUE, dated, day.today))
    return [r for r in found if r is not None]


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
                workspace_id=led.workspace_id,
                kind="plan.stale",
                key=f"plan.stale:{led.plan.id}:{since.isoformat()}",
                message=(
                    f"Nobody has changed {possessive(led.account_name)} plan {led.plan.period} since "
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
    said: dict[str, Any] = {
        "user_id": day.user_id,
        "account_id": reminder.account_id,
        "kind": reminder.kind,
        "message": reminder.message,
        "link": reminder.link,
        "created_at": now,
    }
    digested_at = now if immediate else None
    session.add(Notice(**said, key=reminder.key, delivery=delivery, digested_at=digested_at))
    session.add(Notification(**said))
    if not immediate:
        return 0
    outbox.enqueue(
        session,
        kind=MailKind.NOTIFICATION,
        workspace_id=reminder.workspace_id,
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
        # A digest spans accounts: it is the person's workspace's (none for a client person).
        workspace_id=day.user.workspace_id,
        to=day.user.email,
        subject=f"Jointplan: your {name} digest for {day.today:%a %d %b %Y}",
        body=_body(session, day.user, messages, links, f"your {name} digest"),
        unsubscribe=unsubscribe.field(kind, day.user_id),
        headers={NOTICE_HEADER: kind},
    )
    return 1
