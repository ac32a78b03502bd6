"""Brightwell's other accounts, as data, so the portfolio has something to sort.

Harbor Logistics (app/demo/harbor.py) is the strategic account told in full. Next to it Lena Lead
runs five more, each a recognisable case of key-account practice: a small account with high
potential (Alder Health), a large one with little future fit (Corvid Retail), a small one with
little of either (Delta Marine), a second strategic one whose review is overdue (Ember Energy)
and a new one nobody has scored yet (Fjord Foods). Each has a client sponsor who stated a few
priorities and rated the relationship, Brightwell's initiatives and actions (some overdue), and
what Brightwell believes the client would rate.

Every case is opened by Alex Admin; Lena Lead accepts the invitation, adds the sponsor, Tom Team
and (where ``mentor``) Maya Mentor, writes the initiatives and actions (Tom owns the actions),
and, where ``agreed``, Lena and the sponsor agree version 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import ActionStatus, InitiativeStatus

OPENED_BY = "admin"
PERIOD = "FY2027"
LEAD = "lead"
TEAM = "team"  # a member of every case, and the owner of its actions
MENTOR = "mentor"
ANSWER_REASON = "Discussed in the quarterly meeting."
ACTION_STATUS = ActionStatus.IN_PROGRESS
SPONSOR_PASSWORD = None  # the portfolio's client sponsors do not sign in to the demo


@dataclass(frozen=True)
class Case:
    """One account of the portfolio, as the demo sets it up."""

    name: str
    sponsor: tuple[str, str]  # e-mail, name
    started_days_ago: int  # when the plan began (its first review is due a cadence later)
    priorities: tuple[str, ...]
    ratings: tuple[tuple[int, int], ...]  # (days ago, overall 0..10), oldest first
    believed: int | None  # what Brightwell believes the client would rate now
    # (title, index of the priority it answers or None, the client's answer or None)
    initiatives: tuple[tuple[str, int | None, InitiativeStatus | None], ...] = ()
    actions: tuple[tuple[str, int], ...] = ()  # (title, due in days: negative is overdue)
    agreed: bool = False
    mentor: bool = True  # Maya Mentor reviews this account too


CASES = (
    Case(
        name="Alder Health",
        sponsor=("sponsor@alder.example", "Ada Alder"),
        started_days_ago=120,
        priorities=(
            "Digital triage in every clinic by 2028",
            "Cut agency staffing costs",
            "One patient record across the merged trusts",
        ),
        ratings=((75, 6),),
        believed=5,
        initiatives=(
            ("Triage pilot in two clinics", 0, InitiativeStatus.ACCEPTED),
            ("Rostering analytics", 1, None),
        ),
        actions=(("Agree the pilot clinics", 10), ("Send the data-protection answers", -6)),
    ),
    Case(
        name="Corvid Retail",
        sponsor=("sponsor@corvid.example", "Cora Corvid"),
        started_days_ago=80,
        priorities=("Keep the stores' systems running through peak", "Lower licence costs"),
        ratings=((200, 7), (60, 6)),
        believed=7,
        initiatives=(
            ("Peak-season support desk", 0, InitiativeStatus.ACCEPTED),
            ("Upgrade to the analytics suite", None, InitiativeStatus.DECLINED),
        ),
        actions=(("Renewal terms to procurement", -12), ("Peak readiness check", 20)),
        agreed=True,
    ),
    Case(
        name="Delta Marine",
        sponsor=("sponsor@delta.example", "Dev Delta"),
        started_days_ago=30,
        priorities=("Replace the port booking system",),
        ratings=((20, 4),),
        believed=6,
        initiatives=(("Booking system replacement", 0, None),),
        mentor=False,
    ),
    Case(
        name="Ember Energy",
        sponsor=("sponsor@ember.example", "Eli Ember"),
        started_days_ago=160,
        priorities=(
            "Connect 40,000 smart meters to field service",
            "Safety incidents down a third",
            "Field teams paperless",
        ),
        ratings=((150, 6), (90, 7), (30, 8)),
        believed=7,
        initiatives=(
            ("Meter-to-dispatch integration", 0, InitiativeStatus.ACCEPTED),
            ("Safety checklists on the tablet", 1, InitiativeStatus.ACCEPTED),
            ("Paperless work orders", 2, None),
        ),
        actions=(
            ("Integration test with the meter head-end", 7),
            ("Safety checklist sign-off", -3),
            ("Train the north region", -20),
        ),
        agreed=True,
    ),
    Case(
        name="Fjord Foods",
        sponsor=("sponsor@fjord.example", "Frida Fjord"),
        started_days_ago=10,
        priorities=(),
        ratings=(),
        believed=None,
        mentor=False,
    ),
)
