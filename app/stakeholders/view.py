"""What the relationship map shows, worked out from rows already loaded (no queries here):
coverage gaps with who could help, the grid of the client's levels and locations against the
team's contacts, who holds which buying role in each decision, and which facts changed since
they were sent to the client."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.models import (
    BuyingRole,
    DepartmentTension,
    Influence,
    Level,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
    Strength,
    User,
    Validation,
)
from app.stakeholders.chart import Link, Person
from app.stakeholders.schemas import decision_key

# The reporting line sent to the client when the manager was not sent (their name is internal).
NOT_SHARED = "someone not shared with you"
KNOWN = frozenset({Strength.STRONG.value, Strength.GOOD.value})
STRENGTH_ORDER = {
    Strength.STRONG.value: 0,
    Strength.GOOD.value: 1,
    Strength.WEAK.value: 2,
    Strength.NONE.value: 3,
}
UNRECORDED = ""  # a level or location not recorded: a row or column of its own in the grid


@dataclass(frozen=True)
class Contact:
    """Someone of the vendor's team in contact with a stakeholder."""

    row: StakeholderContact
    user: User
    on_team: bool  # still an active vendor member of the account

    @property
    def known(self) -> bool:
        """They know the person well (strong or good), and are still on the team."""
        return self.on_team and self.row.strength in KNOWN


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
class Cell:
    """One level at one location: the people mapped there and who on the team is in contact
    with them (each with how many of those people they know). No contact is a gap."""

    people: list[Stakeholder]
    team: list[tuple[User, int]]

    @property
    def is_gap(self) -> bool:
        return not self.team


@dataclass(frozen=True)
class Coverage:
    """The client's levels (rows) and locations (columns) against the account team."""

    levels: list[str]
    locations: list[str]
    cells: dict[tuple[str, str], Cell]

    @property
    def gaps(self) -> int:
        return sum(1 for cell in self.cells.values() if cell.is_gap)


@dataclass(frozen=True)
class MapView:
    people: list[Stakeholder]
    contacts: dict[int, list[Contact]]  # stakeholder id -> the team's contacts, strongest first
    team_ids: frozenset[int]  # the account's active vendor members
    by_id: dict[int, Stakeholder]
    gaps: list[Gap]
    gap_ids: frozenset[int]
    decisions: list[DecisionGroup]
    decision_names: list[str]  # for the form's suggestions
    changed: dict[int, list[str]]  # stakeholder id -> facts changed since sent
    reports: dict[int, list[Stakeholder]]  # stakeholder id -> their direct reports
    links: list[StakeholderLink]
    tensions: list[DepartmentTension]
    coverage: Coverage
    departments: list[str]  # for the tension form's suggestions
    locations: list[str]  # for the person form's suggestions

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

    def chart_links(self) -> list[Link]:
        return [Link(link.id or 0, link.from_id, link.to_id, link.kind) for link in self.links]


def _known_by(contacts: list[Contact]) -> Contact | None:
    return next((contact for contact in contacts if contact.known), None)


def _gap(
    person: Stakeholder,
    by_id: dict[int, Stakeholder],
    reports: dict[int, list[Stakeholder]],
    contacts: dict[int, list[Contact]],
) -> Gap | None:
    if person.influence != Influence.HIGH:
        return None
    theirs = contacts.get(person.id or 0, [])
    if _known_by(theirs) is not None:
        return None
    on_team = [contact for contact in theirs if contact.on_team]
    if not theirs:
        reason = "Nobody on the team is in contact with them."
    elif not on_team:
        names = " and ".join(contact.user.display_name for contact in theirs)
        reason = f"Their contacts ({names}) are no longer on the account team."
    elif on_team[0].row.strength == Strength.WEAK:
        reason = f"{on_team[0].user.display_name} is in contact with them, but it is weak."
    else:
        reason = f"{on_team[0].user.display_name} is their contact but has not met them yet."
    # Someone the team knows well next to them in the reporting line can introduce them.
    neighbours = [(by_id.get(person.reports_to_id or 0), "their manager")] + [
        (report, "who reports to them") for report in reports.get(person.id or 0, [])
    ]
    for neighbour, relation in neighbours:
        known = _known_by(contacts.get(neighbour.id or 0, [])) if neighbour else None
        if neighbour is not None and known is not None:
            return Gap(
                person,
                reason,
                f"{known.user.display_name} knows {neighbour.name} ({relation}) well: "
                f"ask for an introduction to {person.name}.",
            )
    if on_team:
        return Gap(
            person, reason, f"Plan a meeting for {on_team[0].user.display_name} with {person.name}."
        )
    return Gap(
        person,
        reason,
        f"Who on the team could get to know {person.name}? Add them as a contact and plan a "
        "first meeting.",
    )


def coverage(people: Sequence[Stakeholder], contacts: dict[int, list[Contact]]) -> Coverage:
    """The grid of levels against locations: each cell's people and the team members in
    contact with them (only those still on the team). Rows: the three levels, then "not
    recorded" if anyone's level is; columns: the locations by name, then "not recorded"."""
    levels = [level.value for level in Level if level != Level.UNKNOWN]
    if any(p.level not in levels for p in people):
        levels.append(UNRECORDED)
    named: dict[str, str] = {}  # folded -> as first written
    for p in people:
        if p.location.strip():
            named.setdefault(" ".join(p.location.split()).casefold(), p.location.strip())
    locations = [named[key] for key in sorted(named)]
    if not people or any(not p.location.strip() for p in people):
        locations.append(UNRECORDED)
    column = {key: named[key] for key in named}
    grouped: dict[tuple[str, str], list[Stakeholder]] = {}
    for p in people:
        level = p.level if p.level in levels else UNRECORDED
        place = column.get(" ".join(p.location.split()).casefold(), UNRECORDED)
        grouped.setdefault((level, place), []).append(p)
    cells = {}
    for level in levels:
        for place in locations:
            there = grouped.get((level, place), [])
            counts: dict[int, tuple[User, int]] = {}
            for p in there:
                for contact in contacts.get(p.id or 0, []):
                    if contact.on_team and contact.user.id is not None:
                        user, count = counts.get(contact.user.id, (contact.user, 0))
                        counts[contact.user.id] = (user, count + 1)
            team = sorted(counts.values(), key=lambda pair: pair[0].display_name.casefold())
            cells[(level, place)] = Cell(there, team)
    return Coverage(levels, locations, cells)


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


def _contacts(
    rows: Sequence[tuple[StakeholderContact, User]], team_ids: frozenset[int]
) -> dict[int, list[Contact]]:
    """Each person's contacts, the strongest first (then the latest contact, then by name)."""
    found: dict[int, list[Contact]] = {}
    for row, user in rows:
        found.setdefault(row.stakeholder_id, []).append(Contact(row, user, user.id in team_ids))
    for theirs in found.values():
        theirs.sort(
            key=lambda c: (
                not c.on_team,
                STRENGTH_ORDER.get(c.row.strength, 9),
                -(c.row.last_contact_on.toordinal() if c.row.last_contact_on else 0),
            )
        )
    return found


def read_map(
    people: Sequence[Stakeholder],
    team: Sequence[User],
    contact_rows: Sequence[tuple[StakeholderContact, User]] = (),
    links: Sequence[StakeholderLink] = (),
    tensions: Sequence[DepartmentTension] = (),
) -> MapView:
    """Gaps, decisions, coverage and changes since sent, from the map's rows and the team."""
    people = list(people)
    by_id = {p.id: p for p in people if p.id is not None}
    team_ids = frozenset(u.id for u in team if u.id is not None)
    contacts = _contacts(contact_rows, team_ids)
    reports: dict[int, list[Stakeholder]] = {}
    for p in people:
        if p.reports_to_id in by_id:
            reports.setdefault(p.reports_to_id, []).append(p)
    gaps = [gap for p in people if (gap := _gap(p, by_id, reports, contacts)) is not None]
    view = MapView(
        people=people,
        contacts=contacts,
        team_ids=team_ids,
        by_id=by_id,
        gaps=gaps,
        gap_ids=frozenset(g.person.id for g in gaps if g.person.id is not None),
        decisions=(decisions := _decisions(people)),
        decision_names=[g.name for g in decisions if g.name],
        changed={},
        reports=reports,
        links=list(links),
        tensions=list(tensions),
        coverage=coverage(people, contacts),
        departments=_distinct(p.department for p in people),
        locations=_distinct(p.location for p in people),
    )
    for p in people:
        if p.id is not None:
            view.changed[p.id] = changed_since_sent(p, reporting_line(p, by_id))
    return view


def _distinct(names: Iterable[str]) -> list[str]:
    """The names given, once each (case and spaces folded), by name."""
    found = {" ".join(name.split()).casefold(): name for name in names if name}
    return [found[key] for key in sorted(found)]


def _decisions(people: Sequence[Stakeholder]) -> list[DecisionGroup]:
    groups: dict[str, DecisionGroup] = {}
    for p in people:
        key = decision_key(p.decision)
        group = groups.setdefault(key, DecisionGroup(p.decision))
        if not p.roles:
            group.without_role.append(p)
        for role in p.roles:
            group.holders.setdefault(role, []).append(p)
    return sorted(groups.values(), key=lambda g: (g.name == "", g.name.casefold()))


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
