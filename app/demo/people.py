"""Who is in the demo: two vendor workspaces, the people who sign in, and the accounts outside
Brightwell's portfolio story.

Everyone is named by a key (``"lead"``, ``"sponsor"``…) that the other data modules use to say
who does what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from app.models import Role, WorkspaceRole

PASSWORD = "jointplan-demo"

BRIGHTWELL = "Brightwell Systems"
KESTREL = "Kestrel Analytics"
WORKSPACES = (BRIGHTWELL, KESTREL)
# Each workspace's time zone: its people who chose none live in it ("today", due dates and
# every shown time use it). A few people chose their own (``SignIn.zone``), so the demo shows
# the same plan in different zones: Harbor's client people are in Singapore, Maya in Berlin.
WORKSPACE_ZONES = {BRIGHTWELL: "Europe/London", KESTREL: "America/New_York"}


class Person(NamedTuple):
    email: str
    name: str
    what: str  # as the sign-in list describes them


@dataclass(frozen=True)
class SignIn:
    """One person who signs in to the demo, and their workspace (None: a client)."""

    key: str
    person: Person
    workspace: str | None = None
    role: WorkspaceRole | None = None
    zone: str = ""  # their own time zone; "" = their workspace's (a client: their account's)


# In the order they are made and the sign-in list shows them.
SIGN_INS = (
    SignIn(
        "admin",
        Person("admin@brightwell.example", "Alex Admin", "workspace admin, Brightwell Systems"),
        BRIGHTWELL,
        WorkspaceRole.ADMIN,
    ),
    SignIn(
        "lead",
        Person("lead@brightwell.example", "Lena Lead", "account lead, Harbor Logistics"),
        BRIGHTWELL,
        WorkspaceRole.MEMBER,
    ),
    SignIn(
        "team",
        Person("team@brightwell.example", "Tom Team", "team member, Harbor Logistics"),
        BRIGHTWELL,
        WorkspaceRole.MEMBER,
    ),
    SignIn(
        "mentor",
        Person("mentor@brightwell.example", "Maya Mentor", "mentor, Harbor Logistics (Berlin)"),
        BRIGHTWELL,
        WorkspaceRole.MEMBER,
        zone="Europe/Berlin",
    ),
    SignIn(
        "sponsor",
        Person(
            "sponsor@harbor.example", "Sam Sponsor", "client sponsor, Harbor Logistics (Singapore)"
        ),
        zone="Asia/Singapore",
    ),
    SignIn(
        "member",
        Person(
            "member@harbor.example", "Mia Member", "client member, Harbor Logistics (Singapore)"
        ),
        zone="Asia/Singapore",
    ),
    SignIn(
        "viewer",
        Person("viewer@harbor.example", "Victor Viewer", "client viewer, Harbor Logistics"),
    ),
    SignIn(
        "kestrel",
        Person(
            "admin@kestrel.example",
            "Kim Kestrel",
            "workspace admin of another workspace, Kestrel Analytics",
        ),
        KESTREL,
        WorkspaceRole.ADMIN,
    ),
)
# (e-mail, name, what they are), in the order the sign-in list shows them.
PEOPLE = tuple(sign_in.person for sign_in in SIGN_INS)


@dataclass(frozen=True)
class NewAccount:
    """An account a workspace admin opens, its lead invited by e-mail (and ``accepted_by`` the
    person who accepts, if anyone does)."""

    name: str  # the client's name and the account's
    opened_by: str
    lead_email: str
    accepted_by: str | None = None
    period: str = "FY2027"


# Harbor Logistics: Lena accepts the invitation, then adds everyone else who acts in the story.
HARBOR = NewAccount(
    "Harbor Logistics",
    opened_by="admin",
    lead_email="lead@brightwell.example",
    accepted_by="lead",
)
HARBOR_MEMBERS = (
    ("team", Role.TEAM),
    ("mentor", Role.MENTOR),
    ("sponsor", Role.SPONSOR),
    ("member", Role.MEMBER),
    ("viewer", Role.VIEWER),
)
# Kestrel's one account, its lead still invited (nobody of Brightwell can see it).
NORTHPEAK = NewAccount("Northpeak Foods", opened_by="kestrel", lead_email="lead@kestrel.example")
