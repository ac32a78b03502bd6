"""``app.permissions.policy.decide`` as a table, without HTTP (DESIGN.md §8).

Every verb, every standing in an account, every visibility of the item, whose item it is,
and the standings outside the account. The expected answers are written out here by hand;
they do not read the policy's own tables, so a change of who may do what fails here first and
has to be made in both places on purpose. (``tests/test_authorization_matrix.py`` checks the
same rules through every route.)

A disabled person never reaches ``decide``: their sessions end and they cannot sign in
(``tests/test_sessions.py``, ``tests/test_sign_in.py``), so the policy has no standing for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.models import Account, Membership, Role, User, Visibility
from app.permissions import policy
from app.permissions.policy import (
    AccountAccess,
    Actor,
    Can,
    Decision,
    Verb,
    WorkspaceVerb,
    decide,
    decide_workspace,
    may,
)

ALLOW, NOT_FOUND, FORBIDDEN = Decision.ALLOW, Decision.NOT_FOUND, Decision.FORBIDDEN
CLOSED = Decision.CLOSED
WORKSPACE, OTHER_WORKSPACE = 10, 20
ME, SOMEONE_ELSE = 1, 2

# Y: allowed; -: forbidden (403). "admin" is an admin of the account's workspace who is not a
# member of the account. For an item, see the rules below the table.
TABLE = """
                      admin   lead    team   mentor sponsor  member  viewer
    account.view        Y       Y       Y       Y       Y       Y       Y
    members.manage      Y       Y       -       -       -       -       -
    invitations.view    Y       Y       Y       Y       -       -       -
    audit.view          Y       Y       Y       Y       Y       Y       Y
    audit.verify        Y       Y       Y       Y       -       -       -
    plan.view           Y       Y       Y       Y       Y       Y       Y
    perception.view     Y       Y       Y       Y       -       -       -
    priorities.write    -       -       -       -       Y       Y       -
    strategy.write      -       -       -       -       Y       Y       -
    value.rate          -       -       -       -       Y       Y       -
    suggestions.answer  -       -       -       -       Y       Y       -
    initiatives.answer  -       -       -       -       Y       Y       -
    priorities.suggest  Y       Y       Y       -       -       -       -
    strategy.suggest    Y       Y       Y       -       -       -       -
    initiatives.write   Y       Y       Y       -       -       -       -
    perception.write    Y       Y       Y       -       -       -       -
    actions.write       Y       Y       Y       -       Y       Y       -
    comment             Y       Y       Y       Y       Y       Y       Y
    comment.edit        Y       Y       Y       Y       Y       Y       Y
    comment.team_only   Y       Y       Y       Y       -       -       -
    review.schedule     Y       Y       -       -       -       -       -
    review.minutes      Y       Y       Y       -       Y       Y       -
    plan.submit         -       Y       -       -       -       -       -
    plan.approve        -       Y       -       -       Y       -       -
    commitment.view     Y       Y       Y       Y       -       -       -
    commitment.ask      -       Y       -       -       -       -       -
    commitment.answer   -       -       Y       Y       -       -       -
    plan.rollover       -       Y       -       -       -       -       -
    insight.view        Y       Y       Y       Y       -       -       -
    insight.write       Y       Y       Y       -       -       -       -
    results.view        Y       Y       Y       Y       -       -       -
    results.write       Y       Y       Y       -       -       -       -
    account.score       Y       Y       -       -       -       -       -
    validation.request  Y       Y       -       -       -       -       -
    stakeholders.import Y       Y       -       -       -       -       -
    relationships.write Y       Y       Y       -       -       -       -
    review.write        Y       Y       -       -       -       -       -
    mentor.ask          Y       Y       Y       -       -       -       -
    mentor.review       -       -       -       Y       -       -       -
    validation.view     Y       Y       Y       Y       Y       Y       Y
    validation.answer   -       -       -       -       Y       Y       -
    mail.send_again     Y       Y       Y       Y       -       -       -
    hours.plan          Y       Y       Y       -       -       -       -
    key_account.answer  -       -       -       -       Y       -       -
"""
# On a closed period (an earlier plan of the account, read-only) these verbs are "closed" for
# whoever the table allows them (409: changes go to the current period); every other verb is
# decided as on the current period.
CLOSED_VERBS = [
    "priorities.write",
    "strategy.write",
    "value.rate",
    "suggestions.answer",
    "initiatives.answer",
    "priorities.suggest",
    "strategy.suggest",
    "initiatives.write",
    "perception.write",
    "actions.write",
    "comment",
    "comment.edit",
    "comment.team_only",
    "plan.submit",
    "plan.approve",
    "plan.rollover",
    "commitment.ask",
    "commitment.answer",
]
# On an item somebody else wrote or sent, these verbs are allowed only to the standings named
# (where the table allows them at all): one edits only one's own comments; only the lead and
# admins send anybody's failed e-mail again.
OTHERS_ITEM = {"comment.edit": "", "mail.send_again": "admin lead"}
VENDOR_STANDINGS = ("admin", "lead", "team", "mentor")
# Workspace verbs: Y for an admin of the workspace, for another person of the workspace; anyone
# else (another workspace's admin, a client person without a workspace) is refused.
WORKSPACE_TABLE = """
                      admin  member
    accounts.create     Y       -
    users.manage        Y       -
    settings.manage     Y       -
    portfolio.view      Y       Y
    mail.manage         Y       -
    webhooks.manage     Y       -
"""


def _grid(text: str) -> dict[tuple[str, str], bool]:
    header, *rows = text.strip().splitlines()
    columns = header.split()
    grid = {}
    for row in rows:
        verb, *marks = row.split()
        assert len(marks) == len(columns), verb
        grid.update(
            {(verb, column): mark == "Y" for column, mark in zip(columns, marks, strict=True)}
        )
    return grid


GRID = _grid(TABLE)
STANDINGS = TABLE.strip().splitlines()[0].split()
WORKSPACE_GRID = _grid(WORKSPACE_TABLE)


@dataclass(frozen=True)
class Item:
    visibility: str
    author_id: int
    sender_id: int | None


def actor(*, workspace_id: int | None = WORKSPACE, admin: bool = False) -> Actor:
    user = User(
        id=ME,
        email="me@example.com",
        display_name="Me",
        workspace_id=workspace_id,
        workspace_role="admin" if admin else ("member" if workspace_id else None),
    )
    return Actor.of(user)


def access(standing: str | None, *, workspace_admin: bool = False) -> AccountAccess:
    account = Account(id=100, workspace_id=WORKSPACE, client_org_id=1, name="Account")
    membership = None
    if standing is not None:
        membership = Membership(id=7, account_id=100, user_id=ME, role=Role(standing).value)
    return AccountAccess(account=account, membership=membership, is_workspace_admin=workspace_admin)


def standing_of(standing: str) -> tuple[Actor, AccountAccess]:
    if standing == "admin":
        return actor(admin=True), access(None, workspace_admin=True)
    vendor = standing in VENDOR_STANDINGS
    return actor(workspace_id=WORKSPACE if vendor else None), access(standing)


def test_the_tables_name_every_verb_and_standing() -> None:
    assert {verb for verb, _ in GRID} == {verb.value for verb in Verb}
    assert ["admin", *(role.value for role in Role)] == STANDINGS
    assert {verb for verb, _ in WORKSPACE_GRID} == {verb.value for verb in WorkspaceVerb}


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("verb", list(Verb), ids=str)
def test_decide_in_the_account(verb: Verb, standing: str) -> None:
    who, where = standing_of(standing)
    table = ALLOW if GRID[(verb.value, standing)] else FORBIDDEN
    mine = Item(Visibility.SHARED, author_id=ME, sender_id=ME)
    theirs = Item(Visibility.SHARED, author_id=SOMEONE_ELSE, sender_id=SOMEONE_ELSE)
    internal = Item(Visibility.INTERNAL, author_id=ME, sender_id=ME)
    others_rule = OTHERS_ITEM.get(verb.value)
    on_theirs = table
    if table is ALLOW and others_rule is not None and standing not in others_rule.split():
        on_theirs = FORBIDDEN

    assert decide(who, where, verb) is table
    assert decide(who, where, verb, mine) is table
    assert decide(who, where, verb, theirs) is on_theirs
    # Internal items do not exist for the client side, whatever the verb.
    assert decide(who, where, verb, internal) is (
        table if standing in VENDOR_STANDINGS else NOT_FOUND
    )


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("verb", list(Verb), ids=str)
def test_decide_on_a_closed_period(verb: Verb, standing: str) -> None:
    """What is refused or hidden stays so (403, 404); what is allowed is "closed" when it would
    change the period, and still allowed when it only reads it."""
    who, where = standing_of(standing)
    allowed = GRID[(verb.value, standing)]
    on_closed = (CLOSED if verb.value in CLOSED_VERBS else ALLOW) if allowed else FORBIDDEN
    mine = Item(Visibility.SHARED, author_id=ME, sender_id=ME)
    internal = Item(Visibility.INTERNAL, author_id=ME, sender_id=ME)

    assert decide(who, where, verb, closed=True) is on_closed
    assert decide(who, where, verb, mine, closed=True) is on_closed
    assert decide(who, where, verb, internal, closed=True) is (
        on_closed if standing in VENDOR_STANDINGS else NOT_FOUND
    )
    assert decide(actor(), None, verb, mine, closed=True) is NOT_FOUND


@pytest.mark.parametrize("verb", list(Verb), ids=str)
def test_decide_outside_the_account_is_not_found(verb: Verb) -> None:
    item = Item(Visibility.SHARED, author_id=ME, sender_id=ME)
    outsiders = {
        "no account (missing id)": (actor(), None),
        "a vendor person of the workspace, not a member": (actor(), access(None)),
        "a client person, not a member": (actor(workspace_id=None), access(None)),
        "another workspace's admin": (
            actor(workspace_id=OTHER_WORKSPACE, admin=True),
            access(None, workspace_admin=False),
        ),
    }
    for name, (who, where) in outsiders.items():
        assert decide(who, where, verb) is NOT_FOUND, name
        assert decide(who, where, verb, item) is NOT_FOUND, name


def test_a_member_role_counts_over_being_a_workspace_admin() -> None:
    """An admin who is also a member of the account acts with the member's role there."""
    who = actor(admin=True)
    as_viewer = access("viewer", workspace_admin=True)
    assert decide(who, as_viewer, Verb.PLAN_VIEW) is ALLOW
    assert decide(who, as_viewer, Verb.MEMBERS_MANAGE) is FORBIDDEN
    internal = Item(Visibility.INTERNAL, author_id=ME, sender_id=ME)
    assert decide(who, as_viewer, Verb.PLAN_VIEW, internal) is NOT_FOUND


@pytest.mark.parametrize("verb", list(WorkspaceVerb), ids=str)
def test_decide_workspace(verb: WorkspaceVerb) -> None:
    expected = {
        "admin": actor(admin=True),
        "member": actor(),
    }
    for column, who in expected.items():
        wanted = ALLOW if WORKSPACE_GRID[(verb.value, column)] else FORBIDDEN
        assert decide_workspace(who, WORKSPACE, verb) is wanted, column
    refused = {
        "another workspace's admin": actor(workspace_id=OTHER_WORKSPACE, admin=True),
        "another workspace's person": actor(workspace_id=OTHER_WORKSPACE),
        "a client person": actor(workspace_id=None),
    }
    for name, who in refused.items():
        assert decide_workspace(who, WORKSPACE, verb) is FORBIDDEN, name
    assert decide_workspace(actor(admin=True), None, verb) is FORBIDDEN


@pytest.mark.parametrize("standing", STANDINGS)
def test_can_answers_as_may_for_every_verb_and_only_when_asked(
    standing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Can`` (what templates read as ``can.comment``) is ``may`` for every verb, on an open
    and a closed period, asked once a verb and only when read; a name that is no verb is not
    there."""
    who, where = standing_of(standing)
    asked: list[Verb] = []

    def counted(actor: Actor, access: AccountAccess, verb: Verb, **kw: bool) -> bool:
        asked.append(verb)
        return may(actor, access, verb, **kw)

    monkeypatch.setattr(policy, "may", counted)
    for closed in (False, True):
        asked.clear()
        can = Can(who, where, closed=closed)
        assert can["comment"] is may(who, where, Verb.COMMENT, closed=closed)
        assert can["comment"] is can.get("comment")
        assert asked == [Verb.COMMENT]
        expected = {v.name.lower(): may(who, where, v, closed=closed) for v in Verb}
        assert dict(can) == expected
        assert can.get("comment") is expected["comment"]
        assert can.get("no_such_verb") is None
        with pytest.raises(KeyError):
            can["no_such_verb"]
