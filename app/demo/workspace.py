"""Brightwell's internal strategy workspace, as data.

The workspace starts from the recommended scorecard; every account but the new one is scored,
some of them several times, so the portfolio's quadrant shows each tier and the two cases the
scorecard exists for: Corvid Retail, large today but sliding to "maintain", and Alder Health,
small today with high potential. Harbor Logistics gets the rest in full: a profile with two
sections the client answered (one confirmed, one corrected) and one waiting, opportunities in
every class, and three quarterly reviews — two signed off by Maya Mentor, one waiting for her —
with a request about the draft initiative still open in her queue.

Lena Lead does the vendor's part throughout; Sam Sponsor answers for Harbor.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import OpportunityStatus, ProfileKind, Validation

SCORECARD_BY = "admin"  # the workspace admin starts the recommended scorecard
BY = "lead"  # who scores, writes the profile, maps the people, adds opportunities and reviews
CLIENT = "sponsor"  # who answers for Harbor
MENTOR = "mentor"
HARBOR = "Harbor Logistics"

# Scores per recommended attribute, in models.DEFAULT_SCORECARD's order: current sales, share
# of wallet, profitability | growth potential, cultural fit, access to executives, access to
# decision making. (days ago, scores, a note on one attribute)
SCORINGS: dict[str, list[tuple[int, tuple[int, ...], str]]] = {
    "Harbor Logistics": [
        (300, (3, 2, 3, 4, 4, 2, 2), "Three dispatch systems after two acquisitions."),
        (150, (4, 3, 3, 4, 4, 3, 3), "Monthly depot visits opened doors."),
        (20, (4, 3, 4, 5, 4, 4, 4), "The COO now chairs our quarterly review."),
    ],
    "Alder Health": [
        (200, (1, 2, 2, 4, 4, 3, 3), "A first pilot, three clinics."),
        (40, (2, 2, 2, 5, 4, 4, 4), "The merged trusts want one supplier for triage."),
    ],
    "Corvid Retail": [
        (330, (5, 4, 4, 3, 3, 3, 3), "Our largest licence base."),
        (180, (5, 4, 4, 3, 2, 2, 2), "New CFO buys on price."),
        (30, (5, 4, 3, 2, 2, 2, 1), "Procurement runs every decision now."),
    ],
    "Delta Marine": [(25, (2, 1, 2, 2, 3, 2, 1), "One project, no relationship beyond it.")],
    "Ember Energy": [
        (170, (3, 3, 3, 4, 3, 3, 3), "Smart-meter programme starting."),
        (60, (4, 3, 3, 4, 4, 3, 4), "Field service is now our biggest project."),
    ],
}

# --- Harbor's profile: every section written; goals confirmed, the SWOT corrected, markets
# waiting for Sam's answer.

PROFILE: dict[ProfileKind, str] = {
    ProfileKind.GOALS: (
        "Be the most reliable regional carrier in the Nordics, measured against the two "
        "national carriers. Grow contract logistics 12% a year. Run Harbor, Nordlink and "
        "Vestfrakt as one company within two years."
    ),
    ProfileKind.MARKETS: (
        "Regional road freight across the Nordics; strongest in pharma and retail "
        "replenishment. Sells on reliability rather than price; contract logistics (warehousing "
        "plus transport for mid-sized retailers) is 18% of revenue."
    ),
    ProfileKind.TRENDS: (
        "Customers expect live tracking and arrival windows. Driver shortage pushes wages up. "
        "CSRD makes emissions reporting mandatory for their largest customers."
    ),
    ProfileKind.COMPETITORS: (
        "Two national carriers undercut on price; one regional rival already offers live tracking."
    ),
    ProfileKind.STRUCTURE: (
        "The COO (Sam Sponsor) runs operations and the three depots, each with its own "
        "dispatch lead; the head of IT (Mia Member) reports to the CFO."
    ),
    ProfileKind.FINANCIALS: (
        "Revenue grew 40% in two years through acquisitions; margin fell from 6% to 4% while "
        "the three companies run separately."
    ),
    ProfileKind.SWOT: (
        "Strengths: reliability, pharma accreditation.\n"
        "Weaknesses: three dispatch systems, no live tracking.\n"
        "Opportunities: CSRD reporting for customers, pharma growth.\n"
        "Threats: national carriers on price, driver turnover."
    ),
    ProfileKind.VALUE_CHAIN: (
        "Orders → planning → dispatch → delivery → proof and invoicing. We add most value in "
        "planning and dispatch (one view across depots) and in proof of delivery."
    ),
}
SWOT_CORRECTION = (
    "Strengths: reliability, pharma accreditation, and our depot teams' local knowledge.\n"
    "Weaknesses: three dispatch systems.\n"
    "Opportunities: CSRD reporting, pharma growth, the new cross-dock in Gothenburg.\n"
    "Threats: national carriers on price, driver turnover."
)

PROFILE_SHARED = (ProfileKind.GOALS, ProfileKind.SWOT)
# (section, Sam's answer, his correction)
PROFILE_ANSWERS = (
    (ProfileKind.GOALS, Validation.CONFIRMED, ""),
    (ProfileKind.SWOT, Validation.CORRECTED, SWOT_CORRECTION),
)
# Sent after Sam has read his inbox, so it waits for him there.
PROFILE_SHARED_LATER = ProfileKind.MARKETS

# --- Harbor's opportunities, in every class ---------------------------------------------------

OPPORTUNITY_RATINGS = ("profitability", "need", "growth", "importance", "history", "relationship")
# (title, size, days to win, ratings in OPPORTUNITY_RATINGS' order, status, the Harbor priority
# it answers: the first whose title holds this fragment, "" for none)
OPPORTUNITIES: tuple[tuple[str, int, int, tuple[int, ...], OpportunityStatus, str], ...] = (
    (
        "Cold-chain monitoring pilot",
        40_000,
        8,
        (4, 5, 4, 4, 4, 4),
        OpportunityStatus.OPEN,
        "visibility",
    ),
    (
        "Live tracking page roll-out",
        180_000,
        30,
        (4, 5, 4, 5, 4, 4),
        OpportunityStatus.OPEN,
        "visibility",
    ),
    (
        "Fleet telematics for all depots",
        420_000,
        120,
        (3, 3, 3, 4, 3, 3),
        OpportunityStatus.OPEN,
        "cost",
    ),
    ("Warehouse robotics programme", 300_000, 200, (2, 1, 2, 2, 2, 2), OpportunityStatus.OPEN, ""),
    ("Emissions feed for CSRD", 35_000, 10, (4, 4, 4, 3, 4, 4), OpportunityStatus.WON, "emissions"),
    ("Analytics Premium upgrade", 90_000, 25, (4, 1, 2, 2, 3, 3), OpportunityStatus.DROPPED, ""),
)

# --- Harbor's decision-making group: Sam is asked to confirm three people: confirms Mia,
# corrects Karin, and has not answered about himself yet.


@dataclass(frozen=True)
class Contact:
    """A person on the map; ``manager`` and the keys in CONFIRM are this list's keys, ``owner``
    is who of Brightwell keeps in touch ("lead", "team" or None)."""

    key: str
    name: str
    title: str
    department: str
    influence: str
    attitude: str
    motivations: str
    manager: str | None = None
    roles: tuple[str, ...] = ()
    decision: str = ""
    owner: str | None = None
    strength: str = "none"
    contact_days_ago: int | None = None  # the last contact


DISPATCH = "Dispatch platform 2027"
CONTACTS = (
    Contact(
        key="ceo",
        name="Henrik Dahl",
        title="Chief Executive",
        department="Board",
        influence="high",
        attitude="neutral",
        motivations="Wants the three companies to feel like one before he retires.",
    ),
    Contact(
        key="coo",
        name="Sam Sponsor",
        title="Chief Operating Officer",
        department="Operations",
        manager="ceo",
        roles=("economic_buyer",),
        decision=DISPATCH,
        influence="high",
        attitude="supporter",
        motivations="Judged on on-time delivery; tired of re-keyed orders.",
        owner="lead",
        strength="strong",
        contact_days_ago=6,
    ),
    Contact(
        key="cfo",
        name="Karin Berg",
        title="Chief Financial Officer",
        department="Finance",
        manager="ceo",
        roles=("influencer",),
        decision=DISPATCH,
        influence="high",
        attitude="detractor",
        motivations="Margin first; sees software as a cost, not a lever.",
    ),
    Contact(
        key="it",
        name="Mia Member",
        title="Head of IT",
        department="IT",
        manager="cfo",
        roles=("technical",),
        decision=DISPATCH,
        influence="medium",
        attitude="supporter",
        motivations="Wants one platform to run instead of three.",
        owner="team",
        strength="good",
        contact_days_ago=12,
    ),
    Contact(
        key="oslo",
        name="Ola Nilsen",
        title="Dispatch lead, Oslo",
        department="Operations",
        manager="coo",
        roles=("user", "coach"),
        decision=DISPATCH,
        influence="medium",
        attitude="supporter",
        motivations="Tells us honestly what the planners think.",
        owner="team",
        strength="strong",
        contact_days_ago=3,
    ),
    Contact(
        key="gbg",
        name="Eva Lund",
        title="Dispatch lead, Gothenburg",
        department="Operations",
        manager="coo",
        roles=("user",),
        decision=DISPATCH,
        influence="medium",
        attitude="neutral",
        motivations="Her depot's system is the newest; fears losing it.",
        owner="team",
        strength="weak",
        contact_days_ago=40,
    ),
    Contact(
        key="aarhus",
        name="Jens Holm",
        title="Dispatch lead, Aarhus",
        department="Operations",
        manager="coo",
        roles=("user",),
        decision=DISPATCH,
        influence="low",
        attitude="detractor",
        motivations="Came with Vestfrakt; loyal to its old supplier.",
    ),
    Contact(
        key="esg",
        name="Linnea Sand",
        title="Sustainability manager",
        department="Strategy",
        manager="ceo",
        roles=("economic_buyer",),
        decision="Emissions reporting",
        influence="medium",
        attitude="supporter",
        motivations="Owns the CSRD deadline.",
        owner="lead",
        strength="good",
        contact_days_ago=20,
    ),
    Contact(
        key="buy",
        name="Per Ek",
        title="Procurement manager",
        department="Finance",
        manager="cfo",
        roles=("gatekeeper",),
        decision=DISPATCH,
        influence="medium",
        attitude="neutral",
        motivations="Runs every tender over 50,000.",
    ),
)
KARIN_CORRECTION = "Karin Berg is also Deputy CEO since March; she reports to the board."
SENT_FOR_CONFIRMATION = ("coo", "cfo", "it")
# (person, Sam's correction: "" confirms)
CONFIRMATIONS = (("it", ""), ("cfo", KARIN_CORRECTION))

# --- Reviews ---------------------------------------------------------------------------------

PLAN_STARTED_DAYS_AGO = 300  # Harbor's plan began ten months ago
# What Brightwell believed the rating would be before the first two reviews: (days ago, overall,
# the same on every dimension).
BELIEVED_BEFORE = ((250, 8), (160, 7))


@dataclass(frozen=True)
class Meeting:
    """A quarterly review and the mentor's sign-off ("": not signed off yet)."""

    days_ago: int
    participants: str
    what_changed: str
    mentor_comment: str = ""


# Harbor's quarterly reviews; the last waits for the mentor.
REVIEWS = (
    Meeting(
        240,
        "Lena Lead, Tom Team, Sam Sponsor, Mia Member",
        "First joint review. Harbor ranked its priorities itself for the first time; "
        "visibility came first, not cost as we assumed.",
        "Good start. Stop leading with licences: Sam never mentioned them.",
    ),
    Meeting(
        150,
        "Lena Lead, Sam Sponsor, Mia Member",
        "The dispatch pilot was proposed and accepted. Harbor's rating went from 5 to 6.",
        "The pilot answers their first priority; keep the next proposals linked like this.",
    ),
    Meeting(
        30,
        "Lena Lead, Tom Team, Sam Sponsor",
        "Rating 7. Driver turnover moved up; we had missed it entirely. Agreed version 1.",
    ),
)


@dataclass(frozen=True)
class Request:
    """A request to the mentor: on the plan, or on the draft initiative (``on_draft``), and her
    answer ("": still in her queue)."""

    note: str
    on_draft: bool = False
    answer: str = ""


MENTOR_REQUESTS = (
    Request(
        "Before we submit version 1: is the plan focused enough on their top three?",
        answer="Yes. Drop the licence upgrade from the plan; it answers nothing they asked for.",
    ),
    Request("A big one: could you look at it before we propose it to Sam?", on_draft=True),
)

# Another account's review, so the portfolio shows one done outside Harbor:
# (account, days ago, participants, what changed).
OTHER_REVIEWS = (
    (
        "Ember Energy",
        100,
        "Lena Lead, Eli Ember",
        "Integration scope agreed; field teams want the safety checklists first.",
    ),
)
