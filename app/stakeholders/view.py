"""What the relationship map shows, worked out from rows already loaded (no queries here):
coverage gaps with who could help, who holds which buying role in each decision, and which facts
changed since they were sent to the client."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.models import BuyingRole, Influence, Stakeholder, Strength, User, Validation
from app.stakeholders.chart import Person
from app.stakeholders.schemas import decision_key

WEAK = frozenset({Strength.WEAK.value, Strength.NONE.value})
# The reporting line sent to the client when the manager was not sent (their name is internal).
NOT_SHARED = "someone not shared with you"
KNOWN = frozenset({Strength.STRONG.value, Strength.GOOD.value})


@dataclass(frozen=True)
class Gap:
    """An influential person nobody on the team really knows."""

    person: Stakeholder
    reason: str
    prompt: str  # who could help, or what to do


@dataclass
class DecisionGroup:
    """Who holds which buying role in one purchase decision."""

    name: str  # as first written; '' = general
    holders: dict[str, list[Stakeholder]] = field(default_factory=dict)  # buying role -> people
    without_role: list[Stakeholder] = field(default_factory=list)

    @property
    def has_economic_buyer(self) -> bool:
        return bool(self.holders.get(BuyingRole.ECONOMIC_BUYER.value))

    @property
    def has_coach(self) -> bool:
        return bool(self.holders.get(BuyingRole.COACH.value))


@dataclass(frozen=True)
class MapView:
    people: list[Stakeholder]
    owners: dict[int, User]  # stakeholder id -> owner (whoever it is, on the team or not)
    team_ids: frozenset[int]  # the account's active vendor members
    by_id: dict[int, Stakeholder]
    gaps: list[Gap]
    gap_ids: frozenset[int]
    decisions: list[DecisionGroup]
    decision_names: list[str]  # for the form's suggestions
    changed: dict[int, list[str]]  # stakeholder id -> facts changed since sent
    reports: dict[int, list[Stakeholder]]  # stakeholder id -> their direct reports

    def manager_name(self, person: Stakeholder) -> str:
        manager = self.by_id.get(person.reports_to_id or 0)
        return manager.name if manager else ""

    def chart_people(self) -> list[Person]:
        return [
            Person(
                id=p.id or 0,
                name=p.name,
                title=p.title,
                manager_id=p.reports_to_id,
                attitude=p.attitude,
                influence=p.influence,
                gap=p.id in self.gap_ids,
            )
            for p in self.people
        ]


def _gap(
    person: Stakeholder,
    owner: User | None,
    team_ids: frozenset[int],
    by_id: dict[int, Stakeholder],
    reports: dict[int, list[Stakeholder]],
    owners: dict[int, User],
) -> Gap | None:
    if person.influence != Influence.HIGH:
        return None
    on_team = owner is not None and owner.id in team_ids
    if owner is not None and on_team and person.strength not in WEAK:
        return None
    if owner is None:
        reason = "Nobody on the team owns this relationship."
    elif not on_team:
        reason = f"Their owner, {owner.display_name}, is no longer on the account team."
    elif person.strength == Strength.WEAK:
        reason = f"{owner.display_name} owns the relationship, but it is weak."
    else:
        reason = f"{owner.display_name} owns the relationship but does not know them yet."
    # Someone the team knows well next to them in the reporting line can introduce them.
    neighbours = [(by_id.get(person.reports_to_id or 0), "their manager")] + [
        (report, "who reports to them") for report in reports.get(person.id or 0, [])
    ]
    for neighbour, relation in neighbours:
        if neighbour is None or neighbour.id is None or neighbour.strength not in KNOWN:
            continue
        known_by = owners.get(neighbour.id)
        if known_by is not None and known_by.id in team_ids:
            return Gap(
                person,
                reason,
                f"{known_by.display_name} knows {neighbour.name} ({relation}) well: "
                f"ask for an introduction to {person.name}.",
            )
    if owner is not None and on_team:
        return Gap(person, reason, f"Plan a meeting for {owner.display_name} with {person.name}.")
    return Gap(
        person,
        reason,
        f"Who on the team could get to know {person.name}? Choose an owner and plan a first "
        "meeting.",
    )


def reporting_line(person: Stakeholder, on_map: Mapping[int, Stakeholder]) -> str:
    """The reporting line the client would be sent now (``on_map``: the live people by id):
    the manager's name as the client was sent it when the manager was sent, ``NOT_SHARED``
    when there is a manager the client was never sent, '' when nobody is above."""
    manager = on_map.get(person.reports_to_id or 0)
    if manager is None:
        return ""
    return manager.sent_name if manager.validation != Validation.NONE else NOT_SHARED


def shared_names(people: Iterable[Stakeholder]) -> frozenset[str]:
    """The names the client is shown now: those of the live people sent to it."""
    return frozenset(p.sent_name for p in people if p.validation != Validation.NONE)


def shown_line(sent_line: str, names: frozenset[str]) -> str:
    """The reporting line as sent, named only if the client is shown that name now (a manager
    taken off the map since is not named any more; nor one a line of older data named)."""
    if sent_line in ("", NOT_SHARED) or sent_line in names:
        return sent_line
    return NOT_SHARED


def changed_since_sent(person: Stakeholder, line_now: str) -> list[str]:
    """The facts that differ from what the client was asked to confirm (``line_now``: the
    reporting line as it would be sent now, ``reporting_line``)."""
    if person.validation == Validation.NONE:
        return []
    changed = []
    if person.name != person.sent_name:
        changed.append("name")
    if person.title != person.sent_title:
        changed.append("title")
    if line_now != person.sent_reports_to:
        changed.append("reporting line")
    return changed


def read_map(rows: Sequence[tuple[Stakeholder, User | None]], team: Sequence[User]) -> MapView:
    """Gaps, decisions and changes since sent, from the map's rows and the account team."""
    people = [person for person, _ in rows]
    by_id = {p.id: p for p in people if p.id is not None}
    owners = {p.id: owner for p, owner in rows if p.id is not None and owner is not None}
    team_ids = frozenset(u.id for u in team if u.id is not None)
    reports: dict[int, list[Stakeholder]] = {}
    for p in people:
        if p.reports_to_id in by_id:
            reports.setdefault(p.reports_to_id, []).append(p)
    gaps = [
        gap
        for p, owner in rows
        if (gap := _gap(p, owner, team_ids, by_id, reports, owners)) is not None
    ]
    groups: dict[str, DecisionGroup] = {}
    for p in people:
        key = decision_key(p.decision)
        group = groups.setdefault(key, DecisionGroup(p.decision))
        if not p.roles:
            group.without_role.append(p)
        for role in p.roles:
            group.holders.setdefault(role, []).append(p)
    decisions = sorted(groups.values(), key=lambda g: (g.name == "", g.name.casefold()))
    view = MapView(
        people=people,
        owners=owners,
        team_ids=team_ids,
        by_id=by_id,
        gaps=gaps,
        gap_ids=frozenset(g.person.id for g in gaps if g.person.id is not None),
        decisions=decisions,
        decision_names=[g.name for g in decisions if g.name],
        changed={},
        reports=reports,
    )
    for p in people:
        if p.id is not None:
            view.changed[p.id] = changed_since_sent(p, reporting_line(p, by_id))
    return view


@dataclass(frozen=True)
class SentPerson:
    """A stakeholder as the client's validation page may show it: the facts as sent and the
    client's answer. Built from the row so that no internal field reaches the template."""

    id: int
    sent_name: str
    sent_title: str
    sent_reports_to: str
    validation: str
    client_correction: str
    sent_at: datetime | None
    answered_at: datetime | None

    @classmethod
    def of(cls, person: Stakeholder, names: frozenset[str]) -> SentPerson:
        """``names``: the names the client is shown now (``shared_names`` of the people sent):
        the reporting line names nobody else."""
        assert person.id is not None
        return cls(
            id=person.id,
            sent_name=person.sent_name,
            sent_title=person.sent_title,
            sent_reports_to=shown_line(person.sent_reports_to, names),
            validation=person.validation,
            client_correction=person.client_correction,
            sent_at=person.sent_at,
            answered_at=person.answered_at,
        )

    @property
    def is_pending(self) -> bool:
        return self.validation == Validation.PENDING
