"""The invitation e-mail: who invites, to what, what the person will be asked to do in their
role, and the inviter's personal note, quoted and attributed.

The e-mail is plain text (``text/plain``): nothing in the note is ever read as markup. Each of
its lines is quoted ("> ") under the inviter's name, so that a note cannot pass for the
e-mail's own words (a second "Open this link" line, say).
"""

from __future__ import annotations

from app.models import Role

# What each role will be asked to do, in the words of the person invited (DESIGN.md §1).
ASKS: dict[Role, str] = {
    Role.SPONSOR: (
        "As the client sponsor you will be asked to state your company's top priorities and "
        "rate the value of the relationship (a few minutes), then to agree the plan with "
        "the account lead."
    ),
    Role.MEMBER: (
        "You will be asked to state your top priorities and rate the value of the "
        "relationship: it takes a few minutes."
    ),
    Role.VIEWER: (
        "You will be able to read the shared plan and comment in its discussions; nothing "
        "needs filling in."
    ),
    Role.LEAD: (
        "As the account lead you will draft the plan with the client, invite the client's "
        "people, propose initiatives and run the quarterly reviews."
    ),
    Role.TEAM: (
        "As a member of the account team you will work the plan's actions with the client, "
        "comment, and keep the relationship map current."
    ),
    Role.MENTOR: (
        "As the mentor you will review the plan and major proposals every few months, "
        "comment, and sign off the account's reviews."
    ),
}


def quoted(note: str, *, author: str) -> str:
    """The note under its author's name, each line quoted ('' when there is no note)."""
    if not note:
        return ""
    lines = "\n".join(f"> {line}".rstrip() for line in note.split("\n"))
    return f"{author} wrote:\n{lines}\n\n"


def body(
    *,
    inviter_name: str,
    inviter_email: str,
    account_name: str,
    role: Role,
    note: str,
    link: str,
    email: str,
    until: str,
) -> str:
    """The text of the invitation e-mail to ``email``."""
    return (
        f"Hello,\n\n{inviter_name} ({inviter_email}) invited you to join the "
        f"{account_name} account plan on Jointplan as {role.label.lower()}.\n\n"
        f"{quoted(note, author=inviter_name)}"
        f"{ASKS[role]}\n\n"
        f"Open this link to accept:\n{link}\n\n"
        f"The link works once, only for {email}, until {until}.\n"
        "If you did not expect this invitation, you can ignore this e-mail.\n"
    )
