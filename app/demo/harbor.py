"""The joint plan of Harbor Logistics, FY2027, as data: what each person writes, in the order
they write it.

Brightwell Systems sells dispatch and tracking software; Harbor Logistics is a regional carrier
that grew by buying two others and now runs three dispatch systems. The plan has the client's
strategy and ranked priorities (one of them first suggested by Brightwell), value ratings rising
over three quarters, initiatives in every status, joint actions (one overdue, one without an
owner), threads with a mention and a team-only comment, what Brightwell believes about Harbor
(internal), an agreed version 1, and a few changes since.

People are named by their keys in app/demo/people.py; priorities, initiatives and actions by the
keys given here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.models import ActionStatus, Delivery, Horizon, Importance, InitiativeStatus, StrategyKind

# --- Strategy: what Sam Sponsor writes --------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    kind: StrategyKind
    text: str
    detail: str = ""
    horizon: Horizon | None = None


STRATEGY_BY = "sponsor"
STRATEGY = (
    Entry(
        StrategyKind.GOAL,
        "Most reliable regional carrier in the Nordics",
        "Measured by on-time delivery and claims per 1,000 shipments, against the two "
        "national carriers.",
        Horizon.LATER,
    ),
    Entry(
        StrategyKind.GOAL,
        "Grow contract logistics 12% a year",
        "Warehousing plus transport for mid-sized retailers; today 18% of revenue.",
        Horizon.NEXT,
    ),
    Entry(
        StrategyKind.DRIVER,
        "Large shippers consolidate to fewer carriers",
        "Three of our top ten customers ran tenders last year and kept two carriers each.",
    ),
    Entry(
        StrategyKind.DRIVER,
        "EU emissions reporting (CSRD) covers us from the 2027 books",
        "Customers already ask for CO2 per shipment in their tenders.",
    ),
    Entry(
        StrategyKind.DRIVER,
        "Too few drivers across the Nordics",
        "Driver turnover was 23% last year; every new driver costs about three months of "
        "lower productivity.",
    ),
    Entry(
        StrategyKind.FOCUS,
        "Margin before growth this year",
        "Operations must cut cost per delivery without hurting on-time rates. IT may start "
        "no new platform until dispatch runs on one system.",
    ),
    Entry(
        StrategyKind.CHALLENGE,
        "Three legacy dispatch systems after the acquisitions",
        "Harbor, Nordlink and Vestfrakt each kept their own dispatch. Planners re-key "
        "orders between them and nobody sees the whole fleet at once.",
    ),
    Entry(
        StrategyKind.SUCCESS,
        "On-time delivery above 97% at every depot",
        "Measured weekly per depot and reported to the board each quarter.",
    ),
    Entry(
        StrategyKind.SUCCESS,
        "Our top 50 customers track their shipments without calling us",
        "Calls to customer service about “where is my delivery” halved.",
    ),
    Entry(StrategyKind.ADVICE, "Bring us ideas before we ask."),
    Entry(
        StrategyKind.ADVICE,
        "Talk to operations, not only IT.",
        "The depot managers decide whether a tool is used; meet them at the depots.",
    ),
    Entry(
        StrategyKind.ADVICE,
        "Be straight about delivery dates.",
        "A late date told early is fine; a surprise is not.",
    ),
)

# --- Priorities: the client's four, ranked, and Brightwell's suggestions ----------------------


@dataclass(frozen=True)
class Stated:
    """A priority as the client states it (added, accepted from a suggestion, or revised)."""

    key: str
    title: str
    description: str
    importance: Importance
    horizon: Horizon
    owner: str
    moved_up: bool = False  # the sponsor moved it up one place right after adding it


@dataclass(frozen=True)
class Rejection:
    by: str
    reason: str


@dataclass(frozen=True)
class Suggestion:
    """A priority Brightwell suggests, and the client's answer (None: still waiting)."""

    key: str
    by: str
    title: str
    description: str
    importance: Importance
    horizon: Horizon
    accepted_as: Stated | None = None
    rejected: Rejection | None = None


PRIORITIES_BY = "sponsor"  # who adds the priorities and accepts suggestions
VISIBILITY = Stated(
    "visibility",
    "Real-time shipment visibility for our top 50 customers",
    "Customers see where their shipment is and a reliable arrival window, without calling us.",
    Importance.HIGH,
    Horizon.NOW,
    owner="member",
)
PRIORITIES = (
    VISIBILITY,
    # Sam put cost first once the board had set the margin target.
    Stated(
        "cost",
        "Cut cost per delivery by 8%",
        "From 11.40 EUR to 10.50 EUR per delivery by the end of FY2027, mostly through "
        "fuller routes and fewer empty kilometres.",
        Importance.CRITICAL,
        Horizon.NOW,
        owner="sponsor",
        moved_up=True,
    ),
    Stated(
        "turnover",
        "Driver turnover below 15%",
        "From 23% last year: predictable shifts, fewer empty runs, less paperwork.",
        Importance.HIGH,
        Horizon.NEXT,
        owner="sponsor",
    ),
)
# One accepted (the client's fourth priority), one waiting, one rejected with a reason.
SUGGESTIONS = (
    Suggestion(
        "emissions",
        by="lead",
        title="Report CO2 per shipment",
        description="We believe your customers will ask for emissions per shipment soon.",
        importance=Importance.MEDIUM,
        horizon=Horizon.NEXT,
        accepted_as=Stated(
            "emissions",
            "EU emissions reporting ready for the 2027 books",
            "CSRD-grade emissions per shipment and per customer, from the route data we "
            "already have.",
            Importance.MEDIUM,
            Horizon.NEXT,
            owner="member",
        ),
    ),
    Suggestion(
        "customs",
        by="team",
        title="Automate customs paperwork for Norway shipments",
        description="Your planners spend about two hours a day on customs documents for "
        "cross-border loads.",
        importance=Importance.MEDIUM,
        horizon=Horizon.NEXT,
    ),
    Suggestion(
        "cloud",
        by="lead",
        title="Move dispatch to the cloud this year",
        description="A cloud dispatch platform would end the server upgrades at the depots.",
        importance=Importance.HIGH,
        horizon=Horizon.NOW,
        rejected=Rejection(
            by="member",
            reason="Not before the three dispatch systems are one. IT has no room for a second "
            "migration in 2027.",
        ),
    ),
)

# --- Value: Sam's ratings over three quarters, 5, 6, then 7 -----------------------------------


@dataclass(frozen=True)
class Rating:
    days_ago: int
    overall: int
    # per dimension, in the workspace's default order: understanding of our business, quality
    # of delivery, responsiveness, insight and innovation, value for money
    scores: tuple[int, ...]
    comment: str


RATINGS_BY = "sponsor"
RATINGS = (
    Rating(
        270,
        5,
        (4, 7, 5, 3, 5),
        "Good software, but you only show up when the renewal is due.",
    ),
    Rating(
        180,
        6,
        (6, 7, 6, 5, 6),
        "Better since Lena started the monthly depot visits. Still no new ideas from you.",
    ),
    Rating(
        45,
        7,
        (7, 7, 8, 6, 6),
        "The dispatch pilot proposal was the first idea we did not have to ask for.",
    ),
)

# --- Initiatives: one accepted, one waiting, one parked, one declined, one internal draft -----


@dataclass(frozen=True)
class Answer:
    status: InitiativeStatus
    reason: str


@dataclass(frozen=True)
class Idea:
    """An initiative; Lena proposes it unless it stays a draft, and Sam answers (or not)."""

    key: str
    by: str
    title: str
    description: str
    for_client: str
    for_us: str
    owner: str
    answers: tuple[str, ...] = ()  # the priorities it serves
    proposed: bool = True
    answer: Answer | None = None


PROPOSED_BY = "lead"
ANSWERED_BY = "sponsor"
INITIATIVES = (
    Idea(
        "pilot",
        by="lead",
        title="One dispatch view across the three depots' systems",
        description="A single planning board that reads orders from the Harbor, Nordlink and "
        "Vestfrakt dispatch systems, piloted at the Gothenburg depot for 12 weeks.",
        for_client="Planners stop re-keying orders; fuller routes cut cost per delivery.",
        for_us="A reference for dispatch consolidation in the Nordics.",
        owner="lead",
        answers=("cost", "visibility"),
        answer=Answer(
            InitiativeStatus.ACCEPTED,
            "Yes. Start in Gothenburg, where re-keying hurts most; IT will give you read "
            "access to the three systems.",
        ),
    ),
    Idea(
        "driver_app",
        by="team",
        title="Driver app with shift swaps and digital delivery notes",
        description="Drivers swap shifts and sign deliveries on the phone instead of paper.",
        for_client="Predictable shifts and less paperwork, the two reasons drivers leave most.",
        for_us="First customer of the driver app in logistics.",
        owner="team",
        answers=("turnover",),
        answer=Answer(
            InitiativeStatus.PARKED,
            "Good idea, but HR renegotiates the driver contracts first. Ask us again after "
            "the summer.",
        ),
    ),
    Idea(
        "licences",
        by="lead",
        title="Upgrade all planners to Brightwell Analytics Premium",
        description="Premium licences for the 40 planners, with two days of training.",
        for_client="",
        for_us="Premium licence revenue in FY2027.",
        owner="lead",
        answer=Answer(
            InitiativeStatus.DECLINED,
            "This serves your licence targets, not our priorities. Show us what it does for "
            "cost per delivery first.",
        ),
    ),
    Idea(
        "tracking",
        by="team",
        title="Live tracking page for the top 50 customers",
        description="A branded page per customer with every shipment, its last scan and a "
        "two-hour arrival window, fed by the drivers' scanners.",
        for_client="Fewer “where is my delivery” calls; a selling point in tenders.",
        for_us="Expands the tracking module to a second Nordic carrier.",
        owner="team",
        answers=("visibility",),
    ),
    Idea(
        "emissions_feed",
        by="team",
        title="Emissions data feed from the route planner",
        description="Draft: CO2 per shipment from planned and driven kilometres. Check the "
        "data quality with Mia before we propose it.",
        for_client="CSRD reporting without a separate tool.",
        for_us="Leads into the sustainability add-on.",
        owner="team",
        answers=("emissions",),
        proposed=False,
    ),
)

# --- Actions on both sides: some done, one overdue, one without an owner ----------------------


@dataclass(frozen=True)
class Step:
    """A joint action; ``serves`` is ("priority" or "initiative", its key), or None."""

    key: str
    by: str
    title: str
    outcome: str
    owner: str | None
    due_in_days: int | None  # negative: overdue
    status: ActionStatus = ActionStatus.NOT_STARTED
    serves: tuple[str, str] | None = None


ACTIONS = (
    Step(
        "field_map",
        by="team",
        title="Map the data fields of the three dispatch systems",
        outcome="One field map the pilot's planning board can read from.",
        owner="team",
        due_in_days=-30,
        status=ActionStatus.DONE,
        serves=("initiative", "pilot"),
    ),
    Step(
        "read_access",
        by="lead",
        title="Give Brightwell read access to the Gothenburg dispatch database",
        outcome="The pilot reads live orders from day one.",
        owner="member",
        due_in_days=-10,
        status=ActionStatus.IN_PROGRESS,
        serves=("initiative", "pilot"),
    ),
    Step(
        "top_50",
        by="sponsor",
        title="List the top 50 customers and what each needs to see",
        outcome="A one-page list the tracking proposal can be checked against.",
        owner="sponsor",
        due_in_days=-20,
        status=ActionStatus.DONE,
        serves=("priority", "visibility"),
    ),
    Step(
        "workshop",
        by="sponsor",
        title="Workshop with the depot managers on cost per delivery",
        outcome="The three biggest cost drivers per depot, agreed with the managers.",
        owner="lead",
        due_in_days=21,
        serves=("priority", "cost"),
    ),
    Step(
        "leavers",
        by="sponsor",
        title="Collect the reasons drivers gave for leaving in the last 12 months",
        outcome="The top five reasons, counted, to test the driver app idea against.",
        owner=None,
        due_in_days=35,
        serves=("priority", "turnover"),
    ),
)

# --- Threads: a question with a mention and its answer, a team-only note, a mentor's hint ------


@dataclass(frozen=True)
class Remark:
    """A comment; ``on`` is ("priority", its key) or ("strategy", the section)."""

    by: str
    on: tuple[str, str]
    body: str
    team_only: bool = False


COMMENTS = (
    Remark(
        "lead",
        ("priority", "visibility"),
        "@Sam Sponsor do the top 50 need arrival times to the minute, or is a two-hour "
        "window enough?",
    ),
    Remark(
        "sponsor",
        ("priority", "visibility"),
        "A two-hour window is fine for most. The three pharma customers want 30 minutes.",
    ),
    Remark(
        "team",
        ("priority", "visibility"),
        "@Lena Lead 30 minutes means live GPS, not just scan events. That doubles the "
        "estimate; let's say so before we propose the tracking page.",
        team_only=True,
    ),
    Remark(
        "mentor",
        ("strategy", StrategyKind.ADVICE.value),
        "Lena, read “talk to operations, not only IT” as a warning: book the depot "
        "visits before the next review.",
        team_only=True,
    ),
)

# --- What Brightwell believes (internal) -------------------------------------------------------
# Visibility and cost in the other order, a belief Harbor never stated, driver turnover missed,
# and a rating 8 against Harbor's 7.


@dataclass(frozen=True)
class Belief:
    title: str
    hypothesis: str
    priority: str | None  # the client's priority it stands for, if any


@dataclass(frozen=True)
class Believed:
    """The rating Brightwell believes the client would give."""

    days_ago: int
    overall: int
    scores: tuple[tuple[str, int], ...]  # (dimension, score)
    note: str


BELIEVED_BY = "lead"
BELIEFS = (
    Belief(
        "Real-time visibility for key customers",
        "Their biggest customers asked for it in the last tender.",
        "visibility",
    ),
    Belief(
        "Lower cost per delivery",
        "The board talks about margin, but operations talks about customers.",
        "cost",
    ),
    Belief(
        "One dispatch platform instead of three",
        "Mia mentions the three systems in every meeting.",
        None,
    ),
    Belief("Emissions reporting for CSRD", "We suggested it and they took it.", "emissions"),
)
BELIEVED = Believed(
    days_ago=30,
    overall=8,
    scores=(
        ("Understanding of our business", 8),
        ("Quality of delivery", 8),
        ("Responsiveness", 8),
        ("Insight and innovation", 7),
        ("Value for money", 7),
    ),
    note="After the pilot was accepted we expect Sam to be happier than last quarter.",
)

# --- Version 1 is agreed, everyone reads their inbox, then the plan moves on -------------------


@dataclass(frozen=True)
class Agreement:
    """Who submits the plan and who approves it in the sponsor's and the lead's slot."""

    submitted_by: str = "lead"
    sponsor: str = "sponsor"
    lead: str = "lead"


AGREEMENT = Agreement()


@dataclass(frozen=True)
class MoveUp:
    by: str
    priority: str


@dataclass(frozen=True)
class Revise:
    by: str
    priority: Stated


@dataclass(frozen=True)
class Start:
    """The action's owner (or anyone on the plan) sets it in progress."""

    by: str
    action: str


# Sam moves driver turnover up and sharpens the visibility priority, Lena's workshop has started,
# Mia adds an action for Tom, and Lena one for Sam that is due in two days (the scheduler reminds
# Sam of it at 08:00 where Sam lives).
CHANGES_SINCE_VERSION_1: tuple[MoveUp | Revise | Start | Step, ...] = (
    MoveUp("sponsor", "turnover"),
    Revise(
        "sponsor",
        replace(
            VISIBILITY,
            description="Customers see where their shipment is and a two-hour arrival window, "
            "without calling us; 30 minutes for the three pharma customers.",
        ),
    ),
    Start("lead", "workshop"),
    Step(
        "csrd_template",
        by="member",
        title="Send the CSRD reporting template our auditors use",
        outcome="Brightwell knows which emissions figures the feed must produce.",
        owner="team",
        due_in_days=14,
        serves=("priority", "emissions"),
    ),
    Step(
        "depot_hours",
        by="lead",
        title="Send the opening hours of the three pilot depots",
        outcome="The pilot's planning board plans no delivery when a depot is closed.",
        owner="sponsor",
        due_in_days=2,
        serves=("initiative", "pilot"),
    ),
)

# --- What each person is told, and how (``/me/notifications``) ----------------------------------

# Sam takes the plan's news in one daily digest (the reminders of Sam's own actions still come
# right away); Mia reads the news once a week and needs no weekly summary of her actions.
NOTICE_CHOICES: dict[str, dict[str, Delivery]] = {
    "sponsor": {
        "mention": Delivery.DAILY,
        "initiative.proposed": Delivery.DAILY,
        "agreement.approved": Delivery.DAILY,
        "plan.agreed": Delivery.DAILY,
    },
    "member": {
        "mention": Delivery.WEEKLY,
        "plan.agreed": Delivery.WEEKLY,
        "summary.weekly": Delivery.OFF,
    },
}
