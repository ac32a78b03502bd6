"""The vendor's strategy workspace end to end, as issue 4 says it will be checked: four people,
each in their own browser, on a workspace whose scorecard is still empty.

Alex Admin sets up the scorecard from the recommended attributes, makes it lopsided by weighting
profitability up, and balances it again with one attribute of his own. Lena Lead scores Harbor
Logistics twice (the history shows both), maps its decision-making group (a second economic
buyer is refused, naming the first; an influential person nobody knows is a coverage gap),
targets three opportunities (sorted by return on time, A/B/C), and sends two profile sections to
the client. Sam Sponsor, in his own browser, confirms one and corrects the other in his words;
Lena adopts the correction. Lena records a review; Maya Mentor finds it in her queue and signs it
off. Alex reads the portfolio as an executive would (sorts, filters, follows a figure to its
source); the portfolio and the map fit a phone. Finally Sam probes every vendor address of the
issue and is refused, and no page he may open shows anything the vendor typed for itself.

Controls are found by role and accessible name or by label, so the walk also checks that the
pages are labelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session

from app import demo
from app.accounts import service as accounts
from app.demo.stage import today as demo_today
from app.invitations import service as invitations
from app.kit import numbers
from app.kit.dates import add_months
from app.models import Account, Role, User, Workspace, WorkspaceRole
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.users import service as users
from tests.browser.support import NewContext, add_contact, confirm_next, open_account, sign_in
from tests.live import LiveServer

# A moment just made, as a page shows it: relative, the exact local time on hover.
RECENTLY = r"(just now|\d+ minutes? ago)"
ADMIN = "admin@brightwell.example"
LEAD = "lead@brightwell.example"
MENTOR = "mentor@brightwell.example"
SPONSOR = "sponsor@harbor.example"
PHONE_375 = {"width": 375, "height": 812}

PRIORITY = "Cut cost per delivery by 8%"
OUR_ATTRIBUTE = "Strategic alignment"
SCORING_NOTE = "Planners re-key every order between three dispatch systems"
# Internal to the vendor: none of it may ever reach the client's pages.
MOTIVATIONS = "Wants a board-ready dispatch story before the listing"
PEOPLE = ("Ingrid Holm", "Per Nilsson", "Karin Berg", "Jonas Ek")
DECISION = "Dispatch platform 2028"
OPPORTUNITIES = (
    "One dispatch board for the three depots",
    "Driver app for proof of delivery",
    "CO2 report per shipment",
)
REVIEW_CHANGED = "Harbor moved the pilot to Gothenburg; depot managers now own the rollout"
MENTOR_COMMENT = "Meet Per Nilsson before the next review: he decides at the depots"
INTERNAL_TEXT = (
    OUR_ATTRIBUTE,
    SCORING_NOTE,
    MOTIVATIONS,
    *PEOPLE,
    DECISION,
    *OPPORTUNITIES,
    REVIEW_CHANGED,
    MENTOR_COMMENT,
    "Coverage gap",
)
# What the lead sends to the client, and the client's own words for one of them.
GOALS = "Be the most reliable regional carrier in the Nordics and grow contract logistics."
COMPETITORS = "Nordfrakt and the two national carriers compete with Harbor on price."
CORRECTED = "Our real rival is Baltic Road Freight, not the national carriers: they win on service."


@dataclass(frozen=True)
class World:
    harbor: int
    # Addresses of single internal items met on the way (edit pages), for the client to try.
    item_urls: list[str] = field(default_factory=list)

    def keep_href(self, link: Locator) -> None:
        href = link.get_attribute("href")
        assert href, "a link without an address"
        self.item_urls.append(href)


def build_world(server: LiveServer) -> World:
    """Brightwell Systems with an empty scorecard: Alex Admin, Lena Lead and Maya Mentor; Harbor
    Logistics (plan FY2028, Lena as lead, Maya as mentor, Sam Sponsor for the client, who ranked
    one priority) and a second account, Corvid Retail, that nobody has scored."""
    with server.db.session() as session:
        brightwell = Workspace(name="Brightwell Systems")
        session.add(brightwell)
        session.flush()

        def person(email: str, name: str, role: WorkspaceRole | None = None) -> User:
            return users.create(
                session,
                email=email,
                display_name=name,
                password=demo.PASSWORD,
                workspace_id=brightwell.id if role else None,
                workspace_role=role,
            )

        admin = person(ADMIN, "Alex Admin", WorkspaceRole.ADMIN)
        lead = person(LEAD, "Lena Lead", WorkspaceRole.MEMBER)
        mentor = person(MENTOR, "Maya Mentor", WorkspaceRole.MEMBER)
        sponsor = person(SPONSOR, "Sam Sponsor")
        harbor = account(session, server, admin, lead, "Harbor Logistics")
        accounts.add_member(session, actor=lead, account=harbor, user=mentor, role=Role.MENTOR)
        accounts.add_member(session, actor=lead, account=harbor, user=sponsor, role=Role.SPONSOR)
        assert harbor.id is not None
        plan = plans_repo.current(session, account_id=harbor.id)
        assert plan is not None
        values = PriorityValues(
            title=PRIORITY, importance="critical", horizon="now", owner_id=sponsor.id
        )
        priorities.create(session, actor=sponsor, plan=plan, values=values)
        account(session, server, admin, lead, "Corvid Retail")
        session.commit()
        return World(harbor=harbor.id)


def account(session: Session, server: LiveServer, admin: User, lead: User, name: str) -> Account:
    made, sent = accounts.create_account(
        session,
        actor=admin,
        client_name=name,
        account_name=name,
        period="FY2028",
        lead_email=lead.email,
        invitation_days=7,
    )
    invitations.accept(session, invitation=sent.invitation, account=made, user=lead)
    return made


def no_alert(page: Page) -> None:
    expect(page.get_by_role("alert")).to_have_count(0)


# --- 1. The admin sets up the scorecard ----------------------------------------------------------


def set_up_scorecard(admin: Page, world: World) -> None:
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    admin.get_by_role("link", name="the strategic account scorecard").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Strategic account scorecard")
    expect(admin.get_by_text("No attributes yet, so no account can be scored.")).to_be_visible()
    admin.get_by_role("button", name="Use the recommended set").click()
    expect(admin.get_by_role("status")).to_contain_text("Added the 7 recommended attributes.")
    attributes = admin.get_by_role("table", name="The scorecard's attributes, in order")
    expect(attributes.locator("tbody tr")).to_have_count(7)
    balance = admin.locator("#balance")
    expect(balance.get_by_role("row", name=re.compile("^Current performance"))).to_contain_text(
        "7 of 14"
    )
    expect(balance.get_by_role("note")).to_have_count(0)

    # Margin matters most to Brightwell this year: profitability weighs 6 instead of 2.
    edit = admin.get_by_role("link", name="Edit Profitability")
    world.keep_href(edit)
    edit.click()
    expect(admin.get_by_role("heading", name="Edit a scorecard attribute")).to_be_visible()
    expect(admin.get_by_label("Name")).to_have_value("Profitability")
    admin.get_by_label("Weight").select_option("6")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status").first).to_contain_text("Saved “Profitability”.")
    expect(attributes.get_by_role("row", name=re.compile("^Profitability"))).to_contain_text("6")
    # Now the future half carries 7 of 18: the scorecard warns, and says why.
    warning = balance.get_by_role("note")
    expect(warning).to_contain_text("The scorecard is unbalanced.")
    expect(warning).to_contain_text(
        "Future potential and fit is light: it has 39 % of the total weight (at least 40 %)."
    )

    # An attribute of Brightwell's own on the future half balances it again.
    add = admin.locator("#add-attribute")
    add.get_by_label("Name").fill(OUR_ATTRIBUTE)
    add.get_by_role("radio", name=re.compile("^Future potential and fit")).check()
    add.get_by_label("Weight").select_option("3")
    add.get_by_label("What a 5 means").fill("Its strategy needs what we are best at")
    add.get_by_role("button", name="Add attribute").click()
    expect(admin.locator("#scorecard-admin").get_by_role("status")).to_contain_text(
        f"Added “{OUR_ATTRIBUTE}” to the scorecard."
    )
    expect(attributes.locator("tbody tr")).to_have_count(8)
    # The keyboard is on the notice, not thrown back to the top of the page.
    expect(admin.locator("#scorecard-admin").get_by_role("status")).to_be_focused()
    expect(balance.get_by_role("note")).to_have_count(0)
    expect(
        balance.get_by_role("row", name=re.compile("^Future potential and fit"))
    ).to_contain_text("10 of 21")
    no_alert(admin)


# --- 2. The lead scores the account, twice --------------------------------------------------------

CURRENT = ("Current sales", "Share of wallet", "Profitability")
FUTURE = (
    "Growth potential",
    "Cultural fit",
    "Access to executives",
    "Access to decision making",
    OUR_ATTRIBUTE,
)


def fill_scores(page: Page, scores: tuple[int, ...]) -> None:
    form = page.locator("#score")
    for name, value in zip(CURRENT + FUTURE, scores, strict=True):
        form.get_by_role("combobox", name=re.compile(rf"^{name} \(weight")).select_option(
            str(value)
        )


def score_account(lead: Page) -> None:
    open_account(lead, "Harbor Logistics")
    lead.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Scorecard"
    ).click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text("Strategic account scorecard")
    expect(lead.get_by_text("Not scored yet. Score it below")).to_be_visible()
    # Small today, promising: weighted current 2.0, future 3.8.
    fill_scores(lead, (2, 2, 2, 4, 4, 3, 3, 4))
    lead.get_by_label("Note on Current sales").fill(SCORING_NOTE)
    lead.get_by_role("button", name="Save scoring").click()
    latest = lead.locator("#latest")
    expect(lead.get_by_role("status")).to_have_text(
        "Scored Harbor Logistics: current performance 2.0, future potential 3.8, tier Develop."
    )
    expect(lead.get_by_role("status")).to_be_focused()
    expect(latest.get_by_role("definition")).to_contain_text(["2.0 of 5", "3.8 of 5", "Develop"])
    expect(latest.get_by_role("row", name=re.compile("^Current sales"))).to_contain_text(
        SCORING_NOTE
    )
    expect(
        lead.get_by_text("The chart of the scores over time appears after the second")
    ).to_be_visible()

    # A quarter later: the COO chairs the reviews now. The form starts from the last scoring.
    expect(
        lead.get_by_role("combobox", name=re.compile(r"^Growth potential \(weight"))
    ).to_have_value("4")
    fill_scores(lead, (4, 3, 3, 5, 4, 4, 4, 4))
    lead.get_by_role("button", name="Save scoring").click()
    expect(lead.get_by_role("status")).to_have_text(
        "Scored Harbor Logistics: current performance 3.3, future potential 4.3, tier Strategic."
    )
    expect(latest.get_by_role("definition")).to_contain_text(["3.3 of 5", "4.3 of 5", "Strategic"])
    history = lead.get_by_role("table", name="Every scoring of the account, newest first")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").nth(0)).to_contain_text("Lena Lead 3.3 4.3 Strategic")
    expect(history.locator("tbody tr").nth(1)).to_contain_text("Lena Lead 2.0 3.8 Develop")
    expect(
        lead.get_by_role("img", name=re.compile("^Current performance and future"))
    ).to_be_visible()
    no_alert(lead)


# --- 3. The lead maps the decision-making group ---------------------------------------------------


def add_person(
    page: Page,
    name: str,
    title: str,
    *,
    reports_to: str | None,
    roles: tuple[str, ...],
    influence: str,
    attitude: str,
    owner: str | None,
    strength: str,
    motivations: str = "",
) -> Locator:
    section = page.locator("#add-stakeholder")
    form = section.locator("form")
    if not form.is_visible():
        section.get_by_text("Add a person").click()
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Title").fill(title)
    if reports_to:
        form.get_by_label("Reports to").select_option(label=reports_to)
    form.get_by_label("Purchase decision").fill(DECISION)
    for role in roles:
        form.get_by_role("checkbox", name=re.compile(f"^{role} —")).check()
    form.get_by_label("Influence on the decision").select_option(label=influence)
    form.get_by_label("Attitude to us").select_option(label=attitude)
    form.get_by_label("Personal motivations").fill(motivations)
    form.get_by_role("button", name="Add to the map").click()
    done = page.locator("#relationships")
    if owner:
        expect(done.get_by_role("status")).to_have_text(f"Added {name} to the map.")
        add_contact(page, name, owner, strength)
    return done


def map_relationships(lead: Page, world: World) -> None:
    lead.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Relationship map"
    ).click()
    expect(lead.get_by_role("heading", name="Map the decision-making group")).to_be_visible()
    ingrid, per, karin, jonas = PEOPLE
    done = add_person(
        lead,
        ingrid,
        "CEO",
        reports_to=None,
        roles=("Economic buyer",),
        influence="High",
        attitude="Supporter",
        owner="Lena Lead",
        strength="Good",
        motivations=MOTIVATIONS,
    )
    expect(done.get_by_role("status")).to_have_text(f"Added Lena Lead as a contact of {ingrid}.")
    done = add_person(
        lead,
        per,
        "COO",
        reports_to=f"{ingrid}, CEO",
        roles=("User", "Influencer"),
        influence="High",
        attitude="Neutral",
        owner=None,
        strength="",
    )
    expect(done.get_by_role("status")).to_have_text(f"Added {per} to the map.")

    # Karin signs off IT budgets, Lena thinks; but Ingrid is this decision's economic buyer.
    done = add_person(
        lead,
        karin,
        "Head of IT",
        reports_to=f"{ingrid}, CEO",
        roles=("Technical", "Gatekeeper", "Economic buyer"),
        influence="Medium",
        attitude="Detractor",
        owner=None,
        strength="",
    )
    form = lead.locator("#add-stakeholder form")
    expect(form.locator(".error")).to_have_text(
        f"{ingrid} is already the economic buyer of the decision “{DECISION}”. A decision has "
        f"one economic buyer: untick it here, name another decision, or change {ingrid}'s "
        "roles first."
    )
    expect(form.get_by_label("Name", exact=True)).to_have_value(karin)
    expect(form.get_by_label("Attitude to us")).to_have_value("detractor")
    economic = form.get_by_role("checkbox", name=re.compile("^Economic buyer —"))
    expect(economic).to_be_checked()
    expect(economic).to_be_focused()  # the keyboard lands on what to fix
    lead.keyboard.press("Space")
    expect(economic).not_to_be_checked()
    form.get_by_role("button", name="Add to the map").click()
    expect(done.get_by_role("status")).to_have_text(f"Added {karin} to the map.")
    expect(done.get_by_role("status")).to_be_focused()
    add_contact(lead, karin, "Lena Lead", "Weak")

    done = add_person(
        lead,
        jonas,
        "Depot manager, Gothenburg",
        reports_to=f"{per}, COO",
        roles=("Coach", "User"),
        influence="Low",
        attitude="Supporter",
        owner="Maya Mentor",
        strength="Strong",
    )
    # Ingrid knows two of the team, at different strengths.
    add_contact(lead, ingrid, "Maya Mentor", "Weak")
    ingrid_row = lead.locator("#stakeholders tbody tr").filter(
        has=lead.locator("td.person-cell strong", has_text=ingrid)
    )
    expect(ingrid_row.locator(".contact-list li")).to_have_count(2)
    record_politics(lead, karin, per)

    # Per is influential and nobody on the team knows him: the map says so, twice.
    gaps = lead.locator("#gaps")
    expect(gaps.locator(".gap-item")).to_have_count(1)
    expect(gaps.locator(".gap-item")).to_contain_text(per)
    row = lead.locator("#stakeholders tbody tr").filter(
        has=lead.locator("td.person-cell strong", has_text=per)
    )
    expect(row).to_contain_text("! Coverage gap")
    expect(row.locator("td[data-label='Reports to']")).to_have_text(ingrid)
    decision = lead.locator("#decisions .decision").filter(
        has=lead.get_by_role("heading", name=DECISION)
    )
    expect(decision).to_contain_text(f"Economic buyer{ingrid}")
    expect(decision).to_contain_text(f"Coach{jonas}")
    chart = lead.get_by_role("group", name=re.compile("^Org chart of Harbor Logistics"))
    expect(chart).to_be_visible()
    expect(lead.locator(".org-chart a.org-node")).to_have_count(4)
    expect(lead.locator("#stakeholders tbody tr")).to_have_count(4)
    world.keep_href(lead.get_by_role("link", name=f"Edit {per}"))
    no_alert(lead)


def record_politics(lead: Page, karin: str, per: str) -> None:
    """Karin blocks Per; IT and Operations pull against each other; the coverage grid."""
    links = lead.locator("#links")
    links.get_by_text("Record a link").click()
    links.get_by_label("Who", exact=True).select_option(label=karin)
    links.get_by_label("Does what").select_option(label="blocks")
    links.get_by_label("To whom").select_option(label=per)
    links.get_by_role("button", name="Record the link").click()
    expect(lead.locator("#relationships").get_by_role("status")).to_have_text(
        f"Recorded that {karin} blocks {per}."
    )
    expect(lead.locator(".org-chart a.org-link-blocks")).to_have_count(1)
    tensions = lead.locator("#tensions")
    tensions.get_by_text("Record a tension").click()
    tensions.get_by_label("Department", exact=True).fill("IT")
    tensions.get_by_label("and department").fill("Operations")
    tensions.get_by_role("button", name="Record the tension").click()
    expect(lead.locator("#tensions .tension")).to_contain_text("IT")
    expect(lead.locator("#coverage table")).to_be_visible()


# --- 4. The lead targets opportunities -------------------------------------------------------------


SCALES = (
    "Profitability for us",
    "The client's need for our offer",
    "Growth of that part of the client's business",
    "Importance of our offer to the client's business",
    "Our track record with the account",
    "Our relationships with the decision makers",
)


def add_opportunity(page: Page, title: str, size: str, days: str, ratings: tuple[int, ...]) -> None:
    form = page.locator("#add-opportunity form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Size").fill(size)
    form.get_by_label("Days to win it").fill(days)
    for scale, rating in zip(SCALES, ratings, strict=True):
        form.get_by_role("group", name=scale).get_by_role(
            "radio", name=str(rating), exact=True
        ).check()
    form.get_by_label("Owner on our team").select_option(label="Lena Lead")
    form.get_by_role("checkbox", name=f"1. {PRIORITY}").check()
    form.get_by_role("button", name="Add opportunity").click()
    expect(page.locator("#opportunities").get_by_role("status")).to_have_text(f"Added “{title}”.")
    # The keyboard is on the new opportunity's row, wherever it ranks.
    added = page.locator("#open-opportunities tbody tr").filter(
        has=page.locator(".opportunity-title", has_text=title)
    )
    expect(added).to_be_focused()


def target_opportunities(lead: Page, world: World) -> None:
    lead.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Opportunities"
    ).click()
    expect(lead.get_by_text("No opportunities yet.")).to_be_visible()
    board, app, co2 = OPPORTUNITIES
    # Added in no particular order; the page lines them up by return on time.
    add_opportunity(lead, co2, "100,000", "50", (2, 3, 2, 3, 2, 3))  # €50,000 expected, €1,000/day
    add_opportunity(lead, board, "300,000", "30", (5, 5, 5, 5, 5, 5))  # €300,000, €10,000/day
    add_opportunity(lead, app, "62,500", "10", (4, 4, 4, 4, 4, 4))  # €50,000, €5,000/day
    rows = lead.locator("#open-opportunities tbody tr")
    expect(rows.locator(".opportunity-title")).to_have_text([board, app, co2])
    expect(rows.locator("td[data-label='Class']")).to_have_text(["Class A", "Class B", "Class C"])
    expect(rows.locator("td[data-label='Return per day']")).to_have_text(
        ["€10,000", "€5,000", "€1,000"]  # in the demo workspace's currency
    )
    expect(rows.locator("td[data-label='Size']")).to_have_text(["€300,000", "€62,500", "€100,000"])
    for row in rows.all():
        expect(row.locator(".linked-priorities")).to_contain_text(PRIORITY)
    world.keep_href(lead.get_by_role("link", name=f"Edit: {board}"))
    no_alert(lead)


# --- 5. The profile, checked by the client ----------------------------------------------------------


def write_and_send(lead: Page, label: str, text: str) -> None:
    section = lead.get_by_role("article", name=label)
    section.locator("summary", has_text="Write").click()
    section.get_by_role("textbox", name=label).fill(text)
    section.get_by_role("button", name="Save").click()
    expect(section.get_by_role("status")).to_have_text(f"Saved “{label}”.")
    expect(section.locator(":scope > .profile-text p")).to_have_text(text)
    section.locator("summary", has_text="Send to the client for validation").click()
    section.get_by_role("button", name=f"Send “{label}” to the client").click()
    expect(section.locator(".validation-state")).to_contain_text(
        re.compile(f"Waiting for the client, sent {RECENTLY}")
    )


def share_profile(lead: Page) -> None:
    lead.get_by_role("navigation", name="Account pages").get_by_role("link", name="Profile").click()
    summary = lead.locator("#profile-summary")
    expect(summary).to_have_text("0 of 8 sections validated by the client.")
    write_and_send(lead, "Company goals", GOALS)
    write_and_send(lead, "Competitors", COMPETITORS)
    expect(summary).to_have_text(
        "0 of 8 sections validated by the client · 2 waiting for the client's answer."
    )
    no_alert(lead)


def client_checks_profile(sponsor: Page) -> None:
    sponsor.reload()  # Sam comes back to his home page
    expect(sponsor.get_by_role("navigation", name="Main")).to_contain_text("Inbox 2 unread")
    open_account(sponsor, "Harbor Logistics")
    sponsor.get_by_role("link", name="2 items about your company wait for your check").click()
    expect(sponsor.get_by_role("heading", level=1)).to_have_text(
        "Is this right about Harbor Logistics?"
    )
    expect(sponsor.locator("#validation-summary")).to_have_text("2 items wait for your answer.")
    goals = sponsor.get_by_role("article", name="Company goals")
    expect(goals.locator(".sent-text")).to_have_text(GOALS)
    goals.get_by_role("button", name=re.compile(r"^Yes, this is right\W+“Company goals”")).click()
    expect(goals.get_by_role("status")).to_have_text(
        "Thank you: you confirmed “Company goals”. Your account team is told."
    )
    expect(goals).to_contain_text("Confirmed by Sam Sponsor")

    competitors = sponsor.get_by_role("article", name="Competitors")
    competitors.locator("summary", has_text="Correct it").click()
    box = competitors.get_by_role("textbox", name="Your correction of “Competitors”")
    box.fill(CORRECTED)
    competitors.get_by_role("button", name="Send my correction").click()
    expect(competitors.get_by_role("status")).to_have_text(
        "Thank you: your correction of “Competitors” is sent to your account team."
    )
    expect(competitors.locator(".client-correction")).to_have_text(CORRECTED)
    expect(sponsor.locator("#validation-summary")).to_have_text(
        "Everything sent has been answered. Thank you."
    )
    no_alert(sponsor)


def lead_adopts_correction(lead: Page) -> None:
    lead.reload()
    expect(lead.locator("#profile-summary")).to_have_text(
        "2 of 8 sections validated by the client."
    )
    goals = lead.get_by_role("article", name="Company goals")
    expect(goals.locator(".validation-state")).to_contain_text(
        re.compile(f"Confirmed by Sam Sponsor {RECENTLY}")
    )
    competitors = lead.get_by_role("article", name="Competitors")
    expect(competitors.locator(".validation-state")).to_contain_text("Corrected by Sam Sponsor:")
    expect(competitors.locator(".client-correction")).to_have_text(CORRECTED)
    confirm_next(
        lead,
        "Replace your text of “Competitors” with the client's correction? The audit trail "
        "keeps your text.",
    )
    competitors.get_by_role("button", name="Use the client's correction for “Competitors”").click()
    expect(competitors.get_by_role("status")).to_have_text(
        "“Competitors” now reads as the client corrected it."
    )
    expect(competitors.locator(":scope > .profile-text")).to_have_text(CORRECTED)
    # The text is the client's own now: still validated, nothing to send again.
    expect(competitors.locator(".validation-state")).to_contain_text("Corrected by Sam Sponsor:")
    expect(competitors.locator(".edited-since")).to_have_count(0)
    expect(lead.locator("#profile-summary")).to_have_text(
        "2 of 8 sections validated by the client."
    )
    no_alert(lead)


# --- 6. A review, signed off by the mentor ----------------------------------------------------------


def record_review(lead: Page, world: World) -> str:
    lead.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Reviews", exact=True
    ).click()
    expect(lead.get_by_text("No review of this plan yet.")).to_be_visible()
    today = demo_today()  # where the demo's vendor people are (its workspace's zone)
    form = lead.locator("#record form")
    form.get_by_label("Held on").fill(today.isoformat())
    form.get_by_label("Who took part").fill("Sam Sponsor (client sponsor), Lena Lead (lead)")
    form.get_by_label("What changed since the last review").fill(REVIEW_CHANGED)
    form.get_by_role("button", name="Record the review").click()
    expect(lead.locator("#reviews").get_by_role("status")).to_contain_text("Recorded the review of")
    review = lead.locator("#history li.review")
    expect(review).to_have_count(1)
    expect(review).to_contain_text("Waiting for the mentor")
    expect(review).to_contain_text(REVIEW_CHANGED)
    expect(lead.locator("#reviews").get_by_role("status")).to_be_focused()
    no_alert(lead)
    held = review.get_by_role("heading", level=3).inner_text().removeprefix("Review of ")
    world.keep_href(review.get_by_role("link", name=f"Edit the review of {held}"))
    return held


def mentor_signs_off(mentor: Page, held: str) -> None:
    mentor.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    waiting = mentor.locator("#waiting")
    expect(waiting.locator("tbody tr")).to_have_count(1)
    expect(waiting.locator("tbody tr")).to_contain_text("Lena Lead")
    waiting.get_by_role("link", name="Harbor Logistics").click()
    review = mentor.locator("#history li.review")
    review.get_by_label("Your comments on this review").fill(MENTOR_COMMENT)
    confirm_next(mentor, f"Sign off the review of {held}? It can no longer be changed afterwards.")
    review.get_by_role("button", name=f"Sign off the review of {held}").click()
    expect(mentor.locator("#reviews").get_by_role("status")).to_contain_text(
        f"Signed off the review of {held}."
    )
    expect(review).to_contain_text("Signed off")
    expect(review.locator("blockquote")).to_have_text(MENTOR_COMMENT)
    expect(review).to_contain_text(re.compile(f"Signed off by Maya Mentor {RECENTLY}"))
    no_alert(mentor)
    # Her queue is empty again.
    mentor.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(mentor.get_by_text("No review waits for a sign-off.")).to_be_visible()


# --- 7. The portfolio, read as an executive would ------------------------------------------------


def read_portfolio(admin: Page, world: World) -> None:
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Portfolio")
    table = admin.locator("table.portfolio-table")
    harbor = table.locator(f"#account-{world.harbor}")
    expect(harbor.locator("td[data-label='Tier']")).to_contain_text("Strategic")
    expect(harbor.locator("td[data-label='Tier']")).to_contain_text("current 3.3 · future 4.3")
    expect(harbor.locator("td[data-label='Plan']")).to_contain_text("Draft")
    # Quarterly by default, counted from the review the mentor just signed off.
    today = demo_today()  # where the demo's vendor people are (its workspace's zone)
    next_review = harbor.locator("td[data-label='Next review']")
    expect(next_review.locator("time").first).to_have_attribute(
        "datetime", add_months(today, 3).isoformat()
    )
    expect(next_review).to_contain_text(f"last review {numbers.date(today)}; every 3 months")
    names = table.locator("tbody th[scope='row'] > a")
    # Default order: by tier (the scored first), then the one nobody scored.
    expect(names).to_have_text(["Harbor Logistics", "Corvid Retail"])
    # The executive sorts by account name with the column heading, and back.
    heading = table.get_by_role("columnheader", name="Account", exact=True)
    heading.get_by_role("link").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    expect(names).to_have_text(["Corvid Retail", "Harbor Logistics"])
    heading.get_by_role("link").click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    expect(names).to_have_text(["Harbor Logistics", "Corvid Retail"])
    # Only the strategic accounts.
    admin.get_by_label("Tier").select_option(label="Strategic")
    admin.get_by_role("button", name="Show").click()
    expect(admin.get_by_text("1 of 2 accounts match the filters.")).to_be_visible()
    expect(names).to_have_text(["Harbor Logistics"])
    # The tier figure leads to the scorecard it comes from.
    harbor.locator("td[data-label='Tier']").get_by_role("link").click()
    expect(admin).to_have_url(re.compile(rf"/accounts/{world.harbor}/scorecard$"))
    expect(admin.locator("#latest").get_by_role("definition")).to_contain_text(
        ["3.3 of 5", "4.3 of 5", "Strategic"]
    )
    no_alert(admin)


# --- 8. On a phone --------------------------------------------------------------------------------


def assert_fits(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_375["width"] + 1, f"{what}: {width}px wide on a 375px phone"


def phone_check(new_context: NewContext, world: World) -> None:
    phone = new_context(viewport=PHONE_375, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, LEAD)
    phone.goto("/portfolio")
    expect(phone.get_by_role("group", name=re.compile("^Scorecard quadrant"))).to_be_visible()
    assert_fits(phone, "the portfolio")
    phone.goto(f"/accounts/{world.harbor}/relationships")
    expect(phone.get_by_role("group", name=re.compile("^Org chart of Harbor"))).to_be_visible()
    assert_fits(phone, "the relationship map")


# --- 9. The client probes the vendor's addresses ---------------------------------------------------


def client_is_kept_out(sponsor: Page, world: World) -> None:
    base = f"/accounts/{world.harbor}"
    for path in (
        f"{base}/scorecard",
        f"{base}/profile",
        f"{base}/relationships",
        f"{base}/opportunities",
        f"{base}/reviews",
        f"{base}/perception",
        "/portfolio",
        "/reviews",
        "/admin/scorecard",
        *world.item_urls,
    ):
        response = sponsor.goto(path)
        assert response is not None
        assert response.status in (403, 404), f"{path} answered {response.status}"
        expect(sponsor.locator(".status-code")).to_have_text(str(response.status))
        assert_nothing_internal(sponsor, path)
    for path in (
        "/",
        base,
        f"{base}/plan",
        f"{base}/validation",
        f"{base}/audit",
        "/inbox",
        "/my/actions",
    ):
        response = sponsor.goto(path)
        assert response is not None
        assert response.status == 200, f"{path} answered {response.status}"
        assert_nothing_internal(sponsor, path)
    assert len(world.item_urls) == 4
    # What the client wrote itself is theirs to see.
    sponsor.goto(f"{base}/validation")
    expect(sponsor.get_by_role("article", name="Competitors")).to_contain_text(CORRECTED)


def assert_nothing_internal(page: Page, path: str) -> None:
    html = page.content()
    leaked = [text for text in INTERNAL_TEXT if text in html]
    assert not leaked, f"{path} shows the client internal text: {leaked}"


# --- The story ----------------------------------------------------------------------------------


def test_admin_lead_client_and_mentor_work_the_strategy_workspace(
    live_server: LiveServer, new_context: NewContext
) -> None:
    world = build_world(live_server)
    admin = new_context().new_page()
    lead = new_context().new_page()
    sponsor = new_context().new_page()
    mentor = new_context().new_page()
    sign_in(admin, ADMIN)
    sign_in(lead, LEAD)
    sign_in(sponsor, SPONSOR)
    sign_in(mentor, MENTOR)

    set_up_scorecard(admin, world)
    score_account(lead)
    map_relationships(lead, world)
    target_opportunities(lead, world)
    share_profile(lead)
    client_checks_profile(sponsor)
    lead_adopts_correction(lead)
    held = record_review(lead, world)
    mentor_signs_off(mentor, held)
    read_portfolio(admin, world)
    phone_check(new_context, world)
    client_is_kept_out(sponsor, world)
