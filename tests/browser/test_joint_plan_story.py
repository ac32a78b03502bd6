"""The joint plan end to end, two people side by side: Lena Lead (Brightwell Systems) and Sam
Sponsor (Harbor Logistics), each in their own browser, on a fresh account.

Sam ranks the priorities (re-ranking one from the keyboard), Lena suggests one and Sam accepts
it in his own words, Lena drafts an initiative (Sam never sees the draft) and proposes it, Sam
accepts it with a reason, both add actions for the other side and talk in a thread with an
@mention, Lena submits, both approve: version 1. Then Sam changes a priority, and "changes since
version 1" and the comparison with version 1 show exactly that change.

Every control is found by its role and accessible name or by its label, so the walk also checks
that the pages are labelled.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Dialog, Locator, Page, expect
from sqlmodel import select

from app.accounts import service as accounts
from app.invitations import service as invitations
from app.models import Role, User, utcnow
from tests.browser.support import NewContext, settled, sign_in
from tests.live import LiveServer

VISIBILITY = "Real-time shipment visibility for our top 50 customers"
COST = "Cut cost per delivery by 8%"
TURNOVER = "Driver turnover below 15%"
TURNOVER_NOW = "Driver turnover below 15% at every depot"
SUGGESTED = "Report CO2 per shipment"
REWORDED = "EU emissions reporting ready for the 2027 books"
INITIATIVE = "One dispatch view across the three depots' systems"
LEAD_ACTION = "Run the dispatch pilot at the Gothenburg depot"
SPONSOR_ACTION = "Give Brightwell read access to the Gothenburg dispatch database"


def fresh_account(server: LiveServer) -> int:
    """Harbor's contract-logistics unit: a new account with its plan, Lena as lead and Sam as
    sponsor (the demo's people, whose password the sign-in uses)."""
    with server.db.session() as session:

        def user(email: str) -> User:
            return session.exec(select(User).where(User.email == email)).one()

        lead, sponsor = user("lead@brightwell.example"), user("sponsor@harbor.example")
        account, sent = accounts.create_account(
            session,
            actor=user("admin@brightwell.example"),
            client_name="Harbor Logistics",
            account_name="Harbor Contract Logistics",
            period="FY2028",
            lead_email=lead.email,
            invitation_days=7,
        )
        invitations.accept(session, invitation=sent.invitation, account=account, user=lead)
        accounts.add_member(session, actor=lead, account=account, user=sponsor, role=Role.SPONSOR)
        session.commit()
        assert account.id is not None
        return account.id


def confirm_next(page: Page, expected: str) -> None:
    """Accept the next confirmation dialog, checking that it asks ``expected``."""

    def handle(dialog: Dialog) -> None:
        assert dialog.type == "confirm"
        assert dialog.message == expected, dialog.message
        dialog.accept()

    page.once("dialog", handle)


def ranked_titles(page: Page) -> Locator:
    return page.locator("#priorities ol.priorities > li").get_by_role("heading", level=3)


def add_priority(page: Page, title: str, importance: str, horizon: str) -> None:
    section = page.locator("#priorities")
    section.get_by_label("Title", exact=True).fill(title)
    section.get_by_label("Importance").select_option(label=importance)
    section.get_by_label("Horizon").select_option(label=horizon)
    section.get_by_label("Owner", exact=True).select_option(label="Sam Sponsor")
    section.get_by_role("button", name="Add priority").click()
    expect(section.get_by_role("status")).to_contain_text(f"Added “{title}” as priority")
    expect(section.get_by_role("heading", name=title, exact=True)).to_be_visible()
    settled(page)


def initiative_item(page: Page) -> Locator:
    return page.locator("#initiatives li.initiative").filter(
        has=page.get_by_role("heading", name=INITIATIVE)
    )


def add_action(page: Page, title: str, outcome: str, owner: str, serves: str, days: int) -> None:
    section = page.locator("#actions")
    section.get_by_label("What will be done").fill(title)
    section.get_by_label("Outcome, and how it is measured").fill(outcome)
    section.get_by_label("Owner", exact=True).select_option(label=owner)
    section.get_by_label("Due date").fill((utcnow().date() + timedelta(days=days)).isoformat())
    section.get_by_label("Serves").select_option(label=serves)
    section.get_by_role("button", name="Add action").click()
    expect(section.get_by_role("status")).to_have_text(f"Added the action “{title}”.")
    item = section.locator("li.action").filter(has=page.get_by_role("heading", name=title))
    expect(item).to_contain_text(owner)
    expect(item).to_contain_text(serves)


def test_lead_and_sponsor_agree_a_plan_and_see_what_changed_since(
    demo_data: LiveServer, new_context: NewContext
) -> None:
    account = fresh_account(demo_data)
    plan_url = f"/accounts/{account}/plan"
    lead = new_context().new_page()
    sponsor = new_context().new_page()
    sign_in(lead, "lead@brightwell.example")
    sign_in(sponsor, "sponsor@harbor.example")

    # --- Sam ranks Harbor's priorities; cost goes to the top from the keyboard -----------------
    sponsor.goto(plan_url)
    expect(sponsor.get_by_text("No priorities yet.")).to_be_visible()
    add_priority(sponsor, VISIBILITY, "High", "Now (0–6 months)")
    add_priority(sponsor, COST, "Critical", "Now (0–6 months)")
    expect(ranked_titles(sponsor)).to_have_text([VISIBILITY, COST])
    # Moving, editing and removing sit in each priority's More menu (a native disclosure).
    more = sponsor.locator(f'#priorities details.menu > summary[aria-label="More for “{COST}”"]')
    more.focus()
    sponsor.keyboard.press("Enter")
    move_up = sponsor.get_by_role("button", name=f"Move up: {COST}")
    move_up.focus()
    sponsor.keyboard.press("Enter")
    expect(sponsor.locator("#priorities").get_by_role("status")).to_have_text(
        f"“{COST}” is now priority 1."
    )
    expect(ranked_titles(sponsor)).to_have_text([COST, VISIBILITY])
    # At the top its up arrow is disabled, so the keyboard stays on its down arrow.
    expect(sponsor.get_by_role("button", name=f"Move up: {COST}")).to_be_disabled()
    expect(sponsor.get_by_role("button", name=f"Move down: {COST}")).to_be_focused()
    add_priority(sponsor, TURNOVER, "High", "Next (6–18 months)")
    expect(ranked_titles(sponsor)).to_have_text([COST, VISIBILITY, TURNOVER])

    # --- Lena suggests a priority; Sam accepts it in his own words -----------------------------
    lead.goto(plan_url)
    expect(ranked_titles(lead)).to_have_text([COST, VISIBILITY, TURNOVER])
    suggestions = lead.locator("#suggestions")
    suggestions.get_by_text("Suggest a priority you believe the client has").click()
    suggestions.get_by_label("Title").fill(SUGGESTED)
    suggestions.get_by_label("Description").fill(
        "We believe your customers will ask for emissions per shipment soon."
    )
    suggestions.get_by_role("button", name="Suggest to the client").click()
    expect(lead.locator("#suggestions").get_by_role("heading", name=SUGGESTED)).to_be_visible()

    sponsor.reload()
    sponsor.get_by_role("link", name=f"Reword and accept: {SUGGESTED}").click()
    expect(sponsor.get_by_role("heading", name="Reword and accept")).to_be_visible()
    sponsor.get_by_label("Title").fill(REWORDED)
    sponsor.get_by_label("Owner").select_option(label="Sam Sponsor")
    sponsor.get_by_role("button", name="Accept in these words").click()
    expect(sponsor).to_have_url(re.compile(rf"{plan_url}(#priorities)?$"))
    expect(ranked_titles(sponsor)).to_have_text([COST, VISIBILITY, TURNOVER, REWORDED])
    expect(sponsor.get_by_text("No suggestions to answer.")).to_be_visible()

    # --- Lena drafts an initiative: internal until she proposes it -----------------------------
    lead.reload()
    expect(ranked_titles(lead)).to_have_text([COST, VISIBILITY, TURNOVER, REWORDED])
    initiatives = lead.locator("#initiatives")
    initiatives.get_by_label("Title").fill(INITIATIVE)
    initiatives.get_by_label("What we propose").fill(
        "A single planning board over the three dispatch systems, piloted in Gothenburg."
    )
    initiatives.get_by_label("Expected value for the client").fill(
        "Planners stop re-keying orders; fuller routes cut cost per delivery."
    )
    initiatives.get_by_label("Owner on our team").select_option(label="Lena Lead")
    initiatives.get_by_role("checkbox", name=COST).check()
    initiatives.get_by_role("checkbox", name=VISIBILITY).check()
    initiatives.get_by_role("button", name="Save draft").click()
    expect(initiatives.get_by_role("status")).to_contain_text(f"Saved the draft “{INITIATIVE}”")
    draft = initiative_item(lead)
    expect(draft).to_contain_text("Internal")
    expect(draft.get_by_role("listitem")).to_have_text(
        [f"Priority 1 {COST}", f"Priority 2 {VISIBILITY}"]
    )

    sponsor.reload()
    expect(sponsor.get_by_role("heading", name="Initiatives")).to_be_visible()
    expect(sponsor.get_by_text(INITIATIVE)).to_have_count(0)
    assert INITIATIVE not in sponsor.content(), "the client saw a draft"

    confirm_next(lead, f"Propose “{INITIATIVE}” to the client? They will see it from now on.")
    draft.get_by_role("button", name="Propose to the client").click()
    expect(initiatives.get_by_role("status")).to_have_text(
        f"Proposed “{INITIATIVE}” to the client."
    )
    expect(
        initiatives.get_by_role("heading", name="Proposed — waiting for the client's answer")
    ).to_be_visible()

    # --- Sam sees it after reloading and accepts it with a reason ------------------------------
    sponsor.reload()
    proposal = initiative_item(sponsor)
    expect(proposal).to_be_visible()
    proposal.get_by_label("Your reason").fill(
        "Yes. Start in Gothenburg, where re-keying hurts most."
    )
    proposal.get_by_role("button", name="Accept", exact=True).click()
    expect(sponsor.locator("#initiatives").get_by_role("status")).to_have_text(
        f"Accepted “{INITIATIVE}”. The team is told."
    )
    accepted = initiative_item(sponsor)
    expect(accepted).to_contain_text("Accepted by Sam Sponsor")
    expect(accepted).to_contain_text("“Yes. Start in Gothenburg, where re-keying hurts most.”")

    # --- Both add an action owned by the other side --------------------------------------------
    add_action(
        sponsor,
        LEAD_ACTION,
        "Planners in Gothenburg plan from one board for 12 weeks; re-keyed orders counted weekly.",
        owner="Lena Lead",
        serves=INITIATIVE,
        days=60,
    )
    lead.reload()
    add_action(
        lead,
        SPONSOR_ACTION,
        "The pilot reads live orders from day one.",
        owner="Sam Sponsor",
        serves=INITIATIVE,
        days=14,
    )

    # --- A thread with an @mention, answered by the other side ---------------------------------
    thread = initiative_item(lead).locator(".thread-toggle")
    thread.get_by_text("Comments (0)").click()
    thread.get_by_label("Add a comment").fill("@Sam Sponsor who at IT gives us the read access?")
    thread.get_by_role("button", name="Comment").click()
    expect(thread.locator(".mention")).to_have_text("@Sam Sponsor")
    expect(thread.get_by_role("status")).to_have_text("Comment added.")

    sponsor.reload()
    reply = initiative_item(sponsor).locator(".thread-toggle")
    reply.get_by_text("Comments (1)").click()
    expect(reply.locator(".mention")).to_have_text("@Sam Sponsor")
    reply.get_by_label("Add a comment").fill("@Lena Lead Mia Member does; I have asked her.")
    reply.get_by_role("button", name="Comment").click()
    expect(reply.locator(".mention")).to_have_text(["@Sam Sponsor", "@Lena Lead"])
    expect(reply.locator("> summary")).to_have_text("Comments (2)")

    # --- Agreement: Lena submits, Sam approves, Lena approves: version 1 -----------------------
    lead.reload()
    agreement = lead.locator("#agreement")
    expect(agreement).to_contain_text("Draft: not agreed yet.")
    confirm_next(lead, "Submit the plan FY2028 for agreement as it stands now?")
    agreement.get_by_role("button", name="Submit for agreement").click()
    expect(agreement.get_by_role("status")).to_contain_text("Submitted the plan FY2028")
    expect(agreement).to_contain_text("waiting for: client sponsor and account lead")

    sponsor.reload()
    sponsor_agreement = sponsor.locator("#agreement")
    sponsor_agreement.get_by_role("button", name="Approve as client sponsor").click()
    expect(sponsor_agreement.get_by_role("status")).to_have_text(
        "Approved as client sponsor. Waiting for the other approval."
    )

    lead.reload()
    agreement.get_by_role("button", name="Approve as account lead").click()
    expect(agreement.get_by_role("status")).to_have_text(
        "Approved. Both sides agreed: the plan is frozen as version 1."
    )
    expect(agreement).to_contain_text("Agreed as version 1")
    expect(agreement.get_by_role("link", name="Changes since version 1")).to_be_visible()

    # --- Sam changes a priority; "changes since version 1" shows it ----------------------------
    sponsor.reload()
    expect(sponsor.locator("#agreement-summary")).to_contain_text("No changes since version 1")
    turnover = sponsor.locator("#priorities ol.priorities > li").filter(
        has=sponsor.get_by_role("heading", name=TURNOVER, exact=True)
    )
    turnover.locator("details.menu > summary").click()
    turnover.get_by_role("link", name="Edit").click()
    sponsor.get_by_label("Title").fill(TURNOVER_NOW)
    sponsor.get_by_role("button", name="Save").click()
    expect(ranked_titles(sponsor)).to_have_text([COST, VISIBILITY, TURNOVER_NOW, REWORDED])
    summary = sponsor.get_by_role("link", name="1 change since version 1")
    expect(summary).to_be_visible()
    summary.click()
    expect(sponsor.get_by_role("heading", name="What changed since version 1")).to_be_visible()
    expect(sponsor.get_by_text("1 change since version 1, not agreed yet.")).to_be_visible()
    changed = sponsor.get_by_role("region", name=re.compile("Client priorities"))
    expect(changed.locator("del")).to_have_text(TURNOVER)
    expect(changed.locator("ins")).to_have_text(TURNOVER_NOW)

    # --- Lena compares version 1 with the plan as it stands ------------------------------------
    lead.reload()
    expect(lead.locator("#agreement-summary")).to_contain_text("1 change since version 1")
    lead.locator("#agreement").get_by_role("link", name="Compare versions").click()
    expect(lead.get_by_role("heading", name="Compare versions")).to_be_visible()
    lead.get_by_label("From").select_option(index=0)
    lead.get_by_label("To").select_option(label="The current plan")
    lead.get_by_role("button", name="Compare").click()
    expect(lead.get_by_text("From version 1 to the current plan: 1 change.")).to_be_visible()
    compared = lead.get_by_role("region", name=re.compile("Client priorities"))
    expect(compared.locator("del")).to_have_text(TURNOVER)
    expect(compared.locator("ins")).to_have_text(TURNOVER_NOW)
    for page in (lead, sponsor):
        expect(page.get_by_role("alert")).to_have_count(0)
