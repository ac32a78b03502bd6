"""The stakeholder form and the client's answer, checked into values or field errors (what was
typed always comes back)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.kit.forms import Checked, parse_date
from app.kit.words import possessive
from app.models import Attitude, BuyingRole, Influence, Level, LinkKind, Stakeholder, Strength
from app.web.forms import MAX_TEXT, FormErrors, as_int, check_line, check_text

ATTITUDE_LABELS = {
    Attitude.SUPPORTER.value: "Supporter",
    Attitude.NEUTRAL.value: "Neutral",
    Attitude.DETRACTOR.value: "Detractor",
    Attitude.UNKNOWN.value: "Unknown",
}
INFLUENCE_LABELS = {
    Influence.HIGH.value: "High",
    Influence.MEDIUM.value: "Medium",
    Influence.LOW.value: "Low",
}
# A contact's strength: how well that person of the team knows them.
CONTACT_STRENGTH_LABELS = {
    Strength.STRONG.value: "Strong",
    Strength.GOOD.value: "Good",
    Strength.WEAK.value: "Weak",
    Strength.NONE.value: "Not yet: has not met them",
}
LEVEL_LABELS = {
    Level.EXECUTIVE.value: "Executive",
    Level.MANAGEMENT.value: "Management",
    Level.OPERATIONAL.value: "Operational",
    Level.UNKNOWN.value: "Not recorded",
}
# A link between two people: how the sentence reads, "A influences B".
LINK_LABELS = {
    LinkKind.INFLUENCES.value: "influences",
    LinkKind.BLOCKS.value: "blocks",
    LinkKind.KEEPS_US_FROM.value: "does not want us to talk to",
}
NOTE_MAX = 500
BUYING_ROLE_LABELS = {role.value: role.label for role in BuyingRole}
BUYING_ROLE_HINTS = {
    BuyingRole.ECONOMIC_BUYER.value: "signs off the budget; one per decision",
    BuyingRole.USER.value: "will use what is bought",
    BuyingRole.TECHNICAL.value: "judges whether it fits technically",
    BuyingRole.COACH.value: "guides you through the decision",
    BuyingRole.INFLUENCER.value: "sways the decision without owning it",
    BuyingRole.GATEKEEPER.value: "controls access to the others",
}
GENERAL_DECISION = "General (no decision named)"
CORRECTION_MAX = 2000
# A contact before this year is a typo (e.g. 0202 for 2026).
FIRST_YEAR = 1990


def decision_key(decision: str) -> str:
    """The decision's name for comparing: case- and space-folded ('' = general)."""
    return " ".join(decision.split()).casefold()


def decision_label(decision: str) -> str:
    return decision or GENERAL_DECISION


def decision_phrase(decision: str) -> str:
    return f"the decision “{decision}”" if decision else "general decisions (no decision named)"


def economic_buyer_taken(holder: str, decision: str) -> str:
    """Why a second economic buyer of a decision is refused, naming the one there is."""
    return (
        f"{holder} is already the economic buyer of {decision_phrase(decision)}. A decision has "
        f"one economic buyer: untick it here, name another decision, or change {possessive(holder)} "
        "roles first."
    )


def economic_buyer_of(
    people: Sequence[Stakeholder], key: str, editing: int | None
) -> Stakeholder | None:
    """The live economic buyer of the decision ``key`` among ``people``, other than ``editing``."""
    for person in people:
        if (
            person.is_economic_buyer
            and person.decision_key == key
            and person.id != editing
            and person.removed_at is None
        ):
            return person
    return None


def manages(people: Sequence[Stakeholder], manager_id: int, person_id: int) -> bool:
    """Does ``person_id`` sit above ``manager_id`` in the reporting lines (or is it them)? A
    reporting line that already loops stops the walk instead of running forever."""
    up = {p.id: p.reports_to_id for p in people}
    seen: set[int] = set()
    current: int | None = manager_id
    while current is not None and current not in seen:
        if current == person_id:
            return True
        seen.add(current)
        current = up.get(current)
    return False


def parse_day(value: str) -> date | None:
    """A day of contact (``parse_date``) from ``FIRST_YEAR`` on."""
    return parse_date(value, first_year=FIRST_YEAR)


@dataclass(frozen=True)
class CheckedStakeholder:
    """The form's values once checked."""

    name: str
    title: str = ""
    department: str = ""
    reports_to_id: int | None = None
    roles: list[str] = field(default_factory=list)
    decision: str = ""
    influence: str = Influence.MEDIUM.value
    attitude: str = Attitude.UNKNOWN.value
    motivations: str = ""
    level: str = Level.UNKNOWN.value
    location: str = ""

    @property
    def decision_key(self) -> str:
        return decision_key(self.decision)

    @property
    def is_economic_buyer(self) -> bool:
        return BuyingRole.ECONOMIC_BUYER.value in self.roles


@dataclass
class StakeholderForm:
    name: str = ""
    title: str = ""
    department: str = ""
    reports_to_id: str = ""
    roles: tuple[str, ...] = ()
    decision: str = ""
    influence: str = Influence.MEDIUM.value
    attitude: str = Attitude.UNKNOWN.value
    motivations: str = ""
    level: str = Level.UNKNOWN.value
    location: str = ""

    @classmethod
    def of(cls, person: Stakeholder) -> StakeholderForm:
        return cls(
            name=person.name,
            title=person.title,
            department=person.department,
            reports_to_id=str(person.reports_to_id or ""),
            roles=tuple(person.roles),
            decision=person.decision,
            influence=person.influence,
            attitude=person.attitude,
            motivations=person.motivations,
            level=person.level,
            location=person.location,
        )

    def check(
        self,
        *,
        people: Sequence[Stakeholder],
        editing: int | None,
    ) -> Checked[CheckedStakeholder]:
        """``people``: the account's live stakeholders; ``editing``: the person being edited,
        if any. (The team's contacts with the person have a form of their own.)"""
        errors = FormErrors()
        self._texts(errors)
        reports_to = self._reports_to(errors, people, editing)
        roles = self._roles(errors, people, editing)
        self._choices(errors)
        if errors:
            return errors
        return CheckedStakeholder(
            name=self.name,
            title=self.title,
            department=self.department,
            reports_to_id=reports_to,
            roles=roles,
            decision=self.decision,
            influence=self.influence,
            attitude=self.attitude,
            motivations=self.motivations,
            level=self.level,
            location=self.location,
        )

    def _texts(self, errors: FormErrors) -> None:
        self.name = check_line(self.name, errors, "name", label="the person's name")
        self.title = check_line(self.title, errors, "title", label="the title", required=False)
        self.department = check_line(
            self.department, errors, "department", label="the department", required=False
        )
        self.decision = check_line(
            self.decision, errors, "decision", label="the decision's name", required=False
        )
        self.location = check_line(
            self.location, errors, "location", label="the location", required=False
        )
        if "decision" not in errors:
            self.decision = " ".join(self.decision.split())
        if "decision" not in errors and len(decision_key(self.decision)) > MAX_TEXT:
            # Folding case can lengthen a name ("ß" compares as "ss"); the key must still fit.
            errors.add("decision", f"Keep the decision's name under {MAX_TEXT} characters.")
        self.motivations = check_text(
            self.motivations,
            errors,
            "motivations",
            label="the motivations",
            required=False,
            max_length=4000,
        )

    def _choices(self, errors: FormErrors) -> None:
        # A choice left out of the form (the page's lists always send one) is the default.
        self.influence = self.influence or Influence.MEDIUM.value
        self.attitude = self.attitude or Attitude.UNKNOWN.value
        for name, value, allowed, message in (
            ("influence", self.influence, INFLUENCE_LABELS, "Choose high, medium or low."),
            ("attitude", self.attitude, ATTITUDE_LABELS, "Choose an attitude from the list."),
            ("level", self.level, LEVEL_LABELS, "Choose a level from the list, or not recorded."),
        ):
            if value not in allowed:
                errors.add(name, message)

    def _reports_to(
        self, errors: FormErrors, people: Sequence[Stakeholder], editing: int | None
    ) -> int | None:
        self.reports_to_id = self.reports_to_id.strip()
        if not self.reports_to_id:
            return None
        manager = as_int(self.reports_to_id)
        names = {p.id: p.name for p in people}
        if manager is None or manager not in names:
            errors.add("reports_to_id", "Choose someone on the map, or nobody.")
            return None
        if manager == editing:
            errors.add("reports_to_id", "Nobody reports to themselves: choose someone else.")
        elif editing is not None and manages(people, manager, editing):
            errors.add(
                "reports_to_id",
                f"{names[manager]} reports to {names[editing]}, directly or through others: "
                "that would make a circle. Choose someone higher up, or change "
                f"{possessive(names[manager])} reporting line first.",
            )
        return manager

    def _roles(
        self, errors: FormErrors, people: Sequence[Stakeholder], editing: int | None
    ) -> list[str]:
        chosen = set(self.roles)
        if not chosen <= BUYING_ROLE_LABELS.keys():
            errors.add("roles", "Choose buying roles from the list.")
        roles = [role for role in BUYING_ROLE_LABELS if role in chosen]
        if BuyingRole.ECONOMIC_BUYER.value in roles and "decision" not in errors:
            holder = economic_buyer_of(people, decision_key(self.decision), editing)
            if holder is not None:
                errors.add("roles", economic_buyer_taken(holder.name, holder.decision))
        return roles


def parse_selected(ids: Sequence[str], versions: Sequence[str]) -> tuple[list[int], dict[int, int]]:
    """The ticked people's ids, and ``{id: version}`` from the ``<id>:<version>`` pairs the page
    was rendered with (what each sender saw). Unreadable values are dropped: an id that is not
    found is answered like a missing one."""
    selected = [n for n in (as_int(v) for v in ids) if n is not None]
    seen: dict[int, int] = {}
    for pair in versions:
        raw_id, _, raw_version = pair.partition(":")
        person, version = as_int(raw_id), as_int(raw_version)
        if person is not None and version is not None:
            seen[person] = version
    return selected, seen


@dataclass(frozen=True)
class StakeholderAnswer:
    """The client's checked answer about one person."""

    confirmed: bool
    correction: str = ""  # what is right ('' with a confirmation)


@dataclass
class AnswerForm:
    """The client's answer about one person: these facts are right, or here is what is."""

    decision: str = ""
    correction: str = ""

    def check(self) -> Checked[StakeholderAnswer]:
        """Whether the client confirmed, or what they say is right."""
        errors = FormErrors()
        if self.decision not in ("confirm", "correct"):
            errors.add("decision", "Confirm these facts, or correct them.")
            return errors
        confirmed = self.decision == "confirm"
        self.correction = check_text(
            self.correction,
            errors,
            "correction",
            label="what is right",
            required=not confirmed,
            max_length=CORRECTION_MAX,
        )
        return errors if errors else StakeholderAnswer(confirmed, self.correction)


@dataclass(frozen=True)
class Selection:
    """The people ticked for sending, and the version of each the page showed."""

    ids: list[int]
    seen: dict[int, int]


@dataclass
class SendForm:
    ids: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()  # "<id>:<version>" per person, as the page showed them

    def check(self) -> Checked[Selection]:
        selected, seen = parse_selected(self.ids, self.versions)
        if not selected:
            errors = FormErrors()
            errors.add(
                "ids",
                "Tick the people whose name, title and reporting line the client should confirm.",
            )
            return errors
        return Selection(selected, seen)


# --- The team's contacts, the links between people, tensions between departments ---------------


def check_contact_day(value: str, errors: FormErrors, today: date) -> date | None:
    """The day of the last contact: empty, or a real day from ``FIRST_YEAR`` until today."""
    try:
        day = parse_day(value.strip())
    except ValueError:
        errors.add("last_contact_on", "Enter a date like 2026-03-31, or leave it empty.")
        return None
    if day is not None and day > today:
        errors.add(
            "last_contact_on",
            f"The last contact cannot be in the future (today is {today.isoformat()}).",
        )
    return day


@dataclass(frozen=True)
class CheckedContact:
    user_id: int
    strength: str = Strength.GOOD.value
    last_contact_on: date | None = None


@dataclass
class ContactForm:
    """Someone of the team in contact with a person: who (fixed once added), how well they
    know them, and when they last spoke."""

    user_id: str = ""
    strength: str = Strength.GOOD.value
    last_contact_on: str = ""

    def check(
        self, *, team: Collection[int], today: date, user_id: int | None = None
    ) -> Checked[CheckedContact]:
        """``team``: the account's active vendor members; ``user_id``: the contact's person
        when editing one (the form's own choice is then ignored)."""
        errors = FormErrors()
        who = user_id
        if who is None:
            who = as_int(self.user_id.strip())
            if who is None or who not in team:
                errors.add("user_id", "Choose someone of your account team.")
        self.strength = self.strength or Strength.GOOD.value
        if self.strength not in CONTACT_STRENGTH_LABELS:
            errors.add("strength", "Choose a strength from the list.")
        self.last_contact_on = self.last_contact_on.strip()
        day = check_contact_day(self.last_contact_on, errors, today)
        if errors or who is None:
            return errors
        return CheckedContact(who, self.strength, day)


def contact_taken(user: str, person: str) -> str:
    return f"{user} is already in contact with {person}: change that contact instead."


@dataclass(frozen=True)
class CheckedLink:
    from_id: int
    to_id: int
    kind: str
    note: str = ""


@dataclass
class LinkForm:
    """A link between two people of the map beyond the reporting line."""

    from_id: str = ""
    kind: str = LinkKind.INFLUENCES.value
    to_id: str = ""
    note: str = ""

    def check(self, *, people: Sequence[Stakeholder]) -> Checked[CheckedLink]:
        errors = FormErrors()
        ids = {p.id for p in people}
        first, second = as_int(self.from_id.strip()), as_int(self.to_id.strip())
        if first is None or first not in ids:
            errors.add("from_id", "Choose someone on the map.")
        if second is None or second not in ids:
            errors.add("to_id", "Choose someone on the map.")
        elif first == second:
            errors.add("to_id", "A link is between two people: choose someone else.")
        if self.kind not in LINK_LABELS:
            errors.add("kind", "Choose how they are linked from the list.")
        self.note = check_line(
            self.note, errors, "note", label="the note", required=False, max_length=NOTE_MAX
        )
        if errors or first is None or second is None:
            return errors
        return CheckedLink(first, second, self.kind, self.note)


def link_taken(first: str, kind: str, second: str) -> str:
    return f"The map already says that {first} {LINK_LABELS[kind]} {second}."


def department_key(name: str) -> str:
    """A department's name for comparing: case- and space-folded."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class CheckedTension:
    department_a: str  # the pair in the order of their keys
    department_b: str
    note: str = ""

    @property
    def key_a(self) -> str:
        return department_key(self.department_a)

    @property
    def key_b(self) -> str:
        return department_key(self.department_b)


@dataclass
class TensionForm:
    """A tension between two departments of the client, either way round."""

    department_a: str = ""
    department_b: str = ""
    note: str = ""

    def check(self) -> Checked[CheckedTension]:
        errors = FormErrors()
        self.department_a = check_line(
            self.department_a, errors, "department_a", label="the first department"
        )
        self.department_b = check_line(
            self.department_b, errors, "department_b", label="the second department"
        )
        self.note = check_line(
            self.note, errors, "note", label="the note", required=False, max_length=NOTE_MAX
        )
        first = " ".join(self.department_a.split())
        second = " ".join(self.department_b.split())
        if not errors and department_key(first) == department_key(second):
            errors.add("department_b", "A tension is between two departments: name another one.")
        if errors:
            return errors
        if department_key(second) < department_key(first):
            first, second = second, first
        return CheckedTension(first, second, self.note)


def tension_taken(first: str, second: str) -> str:
    return f"A tension between {first} and {second} is on the map already."
