"""Demo data: two vendor workspaces, a client, and one person per role.

Everything is made through the services, so the audit trail of the demo verifies like any other.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.accounts import service as accounts
from app.config import Settings
from app.invitations import service as invitations
from app.models import Role, User, Workspace, WorkspaceRole
from app.users import service as users

PASSWORD = "jointplan-demo"

# (e-mail, name, what they are), in the order the sign-in list shows them.
PEOPLE = [
    ("admin@brightwell.example", "Alex Admin", "workspace admin, Brightwell Systems"),
    ("lead@brightwell.example", "Lena Lead", "account lead, Harbor Logistics"),
    ("team@brightwell.example", "Tom Team", "team member, Harbor Logistics"),
    ("mentor@brightwell.example", "Maya Mentor", "mentor, Harbor Logistics"),
    ("sponsor@harbor.example", "Sam Sponsor", "client sponsor, Harbor Logistics"),
    ("member@harbor.example", "Mia Member", "client member, Harbor Logistics"),
    ("viewer@harbor.example", "Victor Viewer", "client viewer, Harbor Logistics"),
    (
        "admin@kestrel.example",
        "Kim Kestrel",
        "workspace admin of another workspace, Kestrel Analytics",
    ),
]


def already_loaded(session: Session) -> bool:
    return session.exec(select(User).where(User.email == PEOPLE[0][0])).first() is not None


def load(session: Session) -> None:
    brightwell = Workspace(name="Brightwell Systems")
    kestrel = Workspace(name="Kestrel Analytics")
    session.add_all([brightwell, kestrel])
    session.flush()

    def person(
        i: int, workspace: Workspace | None = None, role: WorkspaceRole | None = None
    ) -> User:
        email, name, _ = PEOPLE[i]
        return users.create(
            session,
            email=email,
            display_name=name,
            password=PASSWORD,
            workspace_id=workspace.id if workspace else None,
            workspace_role=role if workspace else None,
        )

    admin = person(0, brightwell, WorkspaceRole.ADMIN)
    lead = person(1, brightwell, WorkspaceRole.MEMBER)
    team = person(2, brightwell, WorkspaceRole.MEMBER)
    mentor = person(3, brightwell, WorkspaceRole.MEMBER)
    sponsor, member, viewer = person(4), person(5), person(6)
    kestrel_admin = person(7, kestrel, WorkspaceRole.ADMIN)

    base_url = Settings().base_url
    harbor, sent = accounts.create_account(
        session,
        actor=admin,
        client_name="Harbor Logistics",
        account_name="Harbor Logistics",
        period="FY2027",
        lead_email=lead.email,
        base_url=base_url,
        invitation_days=7,
    )
    invitations.accept(session, invitation=sent.invitation, account=harbor, user=lead)
    for user, role in [
        (team, Role.TEAM),
        (mentor, Role.MENTOR),
        (sponsor, Role.SPONSOR),
        (member, Role.MEMBER),
        (viewer, Role.VIEWER),
    ]:
        accounts.add_member(session, actor=lead, account=harbor, user=user, role=role)

    accounts.create_account(
        session,
        actor=admin,
        client_name="Alder Health",
        account_name="Alder Health",
        period="FY2027",
        lead_email=lead.email,
        base_url=base_url,
        invitation_days=7,
    )
    accounts.create_account(
        session,
        actor=kestrel_admin,
        client_name="Northpeak Foods",
        account_name="Northpeak Foods",
        period="FY2027",
        lead_email="lead@kestrel.example",
        base_url=base_url,
        invitation_days=7,
    )


def sign_in_text(base_url: str) -> str:
    width = max(len(email) for email, _, _ in PEOPLE)
    lines = [f"Jointplan is at {base_url}/login — every demo login uses the password {PASSWORD!r}:"]
    lines += [f"  {email.ljust(width)}  {what}" for email, _, what in PEOPLE]
    return "\n".join(lines)
