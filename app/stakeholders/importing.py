"""Importing stakeholders of an account from a file (its lead, or a workspace admin): name,
title, reports to, buying role, attitude, level and location per row, with the choices of the
stakeholder form. (The team's contacts with them are recorded on the map afterwards.)

Each row is checked by the stakeholder form itself (``StakeholderForm.check``: name, title,
roles, attitude, one economic buyer), and beyond: a name appears once in the file and is not on
the map already; "reports to" names someone of the file or of the map (exactly one), never the
person themselves, and the file's reporting lines make no circle. The confirmation checks again
under the map's lock, then adds the people through ``service.add`` (managers before their
reports), each checked by the form again with the manager's id: all of them, or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.imports.preview import Preview, RowCheck, mark_repeats
from app.imports.reading import Column, Row, header_key
from app.models import Attitude, BuyingRole, Stakeholder, User
from app.stakeholders import repository, service
from app.stakeholders.schemas import (
    ATTITUDE_LABELS,
    BUYING_ROLE_LABELS,
    LEVEL_LABELS,
    StakeholderForm,
)
from app.web.forms import FormErrors

COLUMNS = (
    Column("name", "Name", ("full name", "person", "stakeholder")),
    Column("title", "Title", ("job title", "position"), required=False),
    Column("reports_to", "Reports to", ("manager", "reports to name"), required=False),
    Column("buying_role", "Buying role", ("buying roles", "roles", "role"), required=False),
    Column("attitude", "Attitude", (), required=False),
    Column("level", "Level", ("seniority",), required=False),
    Column("location", "Location", ("site", "office", "city"), required=False),
)
EXAMPLE = (
    (
        "Dana Whitfield",
        "Chief Operating Officer",
        "",
        "Economic buyer",
        "Supporter",
        "Executive",
        "Rotterdam",
    ),
    (
        "Lee Park",
        "Head of IT",
        "Dana Whitfield",
        "Technical; Influencer",
        "Neutral",
        "Management",
        "Hamburg",
    ),
)
# The form's field a message is about -> the file's column.
FIELD_COLUMNS = {"roles": "buying_role", "reports_to_id": "reports_to"}
ROLE_KEYS = {header_key(v): v for v in BUYING_ROLE_LABELS} | {
    header_key(label): v for v, label in BUYING_ROLE_LABELS.items()
}
ATTITUDE_KEYS = {header_key(v): v for v in ATTITUDE_LABELS} | {
    header_key(label): v for v, label in ATTITUDE_LABELS.items()
}
LEVEL_KEYS = {header_key(v): v for v in LEVEL_LABELS if v} | {
    header_key(label): v for v, label in LEVEL_LABELS.items() if v
}


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class Person:
    """A row that passed: its form, and whom it reports to (a row of the file, or someone
    on the map)."""

    form: StakeholderForm
    manager_row: int | None = None
    manager_id: int | None = None


def _level(check: RowCheck) -> str:
    typed = check.row.values.get("level", "")
    if not typed.strip():
        return ""
    found = LEVEL_KEYS.get(header_key(typed))
    if found is None:
        listed = ", ".join(label for value, label in LEVEL_LABELS.items() if value)
        check.add("level", f"Unknown level “{typed.strip()}”: use {listed}, or leave it empty.")
        return ""
    return found


def _choices(check: RowCheck) -> tuple[tuple[str, ...], str]:
    values = check.row.values
    roles: list[str] = []
    for part in values.get("buying_role", "").replace(",", ";").split(";"):
        if not part.strip():
            continue
        role = ROLE_KEYS.get(header_key(part))
        if role is None:
            listed = ", ".join(BUYING_ROLE_LABELS.values())
            check.add("buying_role", f"Unknown buying role “{part.strip()}”: use {listed}.")
        elif role not in roles:
            roles.append(role)
    attitude = Attitude.UNKNOWN.value
    typed = values.get("attitude", "")
    if typed.strip():
        found = ATTITUDE_KEYS.get(header_key(typed))
        if found is None:
            listed = ", ".join(ATTITUDE_LABELS.values())
            check.add("attitude", f"Unknown attitude “{typed.strip()}”: use {listed}.")
        else:
            attitude = found
    return tuple(roles), attitude


def _form(check: RowCheck, people: Sequence[Stakeholder], today: date) -> StakeholderForm:
    """The row as the stakeholder form, checked as the form checks it (its messages moved to
    the file's columns)."""
    roles, attitude = _choices(check)
    values = check.row.values
    form = StakeholderForm(
        name=values.get("name", ""),
        title=values.get("title", ""),
        roles=roles,
        attitude=attitude,
        level=_level(check),
        location=values.get("location", ""),
    )
    checked = form.check(people=people, editing=None)
    if isinstance(checked, FormErrors):
        for field, message in checked.items():
            check.add(FIELD_COLUMNS.get(field, field), message)
    return form


def check(
    session: Session, *, account_id: int, rows: list[Row], today: date
) -> tuple[Preview, list[Person]]:
    """Every row's problems (the preview), and the people to add when there are none. One
    query whatever the number of rows."""
    people = list(repository.live(session, account_id=account_id))
    preview = Preview([RowCheck(row) for row in rows])
    forms = [_form(row, people, today) for row in preview.rows]
    on_map: dict[str, list[Stakeholder]] = {}
    for person in people:
        on_map.setdefault(name_key(person.name), []).append(person)
    for row in preview.rows:
        if name_key(row.row.values.get("name", "")) in on_map:
            row.add("name", "This person is on the map already: take the row out of the file.")
    mark_repeats(
        preview.rows,
        "name",
        lambda row: name_key(row.row.values.get("name", "")),
        "Row {number} has this name too: each person once.",
    )
    mark_repeats(
        preview.rows,
        "buying_role",
        lambda row: "economic" if BuyingRole.ECONOMIC_BUYER.value in _roles(row) else "",
        "Row {number} is the economic buyer already: a decision has one economic buyer.",
    )
    found = [Person(form) for form in forms]
    _managers(preview.rows, found, on_map)
    _circles(preview.rows, found)
    return preview, (found if preview.ok else [])


def _roles(row: RowCheck) -> list[str]:
    parts = row.row.values.get("buying_role", "").replace(",", ";").split(";")
    return [ROLE_KEYS.get(header_key(part), "") for part in parts]


def _managers(
    rows: list[RowCheck], found: list[Person], on_map: dict[str, list[Stakeholder]]
) -> None:
    """Whom each row reports to: a row of the file, or exactly one person on the map."""
    in_file: dict[str, int] = {}
    for i, row in enumerate(rows):
        in_file.setdefault(name_key(row.row.values.get("name", "")), i)
    for i, row in enumerate(rows):
        typed = row.row.values.get("reports_to", "")
        key = name_key(typed)
        if not key:
            continue
        if key == name_key(row.row.values.get("name", "")):
            row.add("reports_to", "Nobody reports to themselves: name their manager, or nobody.")
        elif key in in_file:
            found[i].manager_row = in_file[key]
        elif len(on_map.get(key, [])) == 1:
            found[i].manager_id = on_map[key][0].id
        elif key in on_map:
            row.add(
                "reports_to",
                f"Several people on the map are called “{typed}”: give one of them a "
                "distinct name on the map first.",
            )
        else:
            row.add("reports_to", f"Nobody called “{typed}” is in the file or on the map.")


def _circles(rows: list[RowCheck], found: list[Person]) -> None:
    """A row whose reporting line leads back to itself through the file is in a circle."""
    for start, row in enumerate(rows):
        path = [start]
        current = found[start].manager_row
        while current is not None and current not in path:
            path.append(current)
            current = found[current].manager_row
        if current == start:
            names = [rows[i].row.values.get("name", "") for i in [*path, start]]
            row.add(
                "reports_to",
                f"These reporting lines make a circle: {' → '.join(names)}. Make one of them "
                "report to someone else, or to nobody.",
            )


def make(
    session: Session, *, actor: User, account_id: int, people: list[Person], today: date
) -> list[Stakeholder]:
    """Add every person (managers first), each checked by the stakeholder form with their
    manager's id; the caller checked the rows under the map's lock."""
    live = list(repository.live(session, account_id=account_id))
    made: dict[int, Stakeholder] = {}
    while len(made) < len(people):
        ready = [
            i
            for i, p in enumerate(people)
            if i not in made and (p.manager_row is None or p.manager_row in made)
        ]
        assert ready, "the rows were checked for circles"
        for i in ready:
            person = people[i]
            manager = made[person.manager_row].id if person.manager_row is not None else None
            person.form.reports_to_id = str(manager or person.manager_id or "")
            checked = person.form.check(people=live, editing=None)
            assert not isinstance(checked, FormErrors), checked
            made[i] = service.add(session, actor=actor, account_id=account_id, checked=checked)
            live.append(made[i])
    return [made[i] for i in range(len(people))]
