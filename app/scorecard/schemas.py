"""The scorecard's forms, checked into values or field errors (what was typed always comes
back)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import SCORE_MAX, SCORE_MIN, ScorecardAttribute, ScorecardHalf
from app.scorecard.scoring import Scored
from app.web.forms import FormErrors, as_int, check_line, check_text

MAX_NAME = 60
MAX_DESCRIPTION = 500
MIN_WEIGHT, MAX_WEIGHT = 1, 10
MAX_NOTE = 1000  # the note on one attribute's score
MAX_OVERALL_NOTE = 4000
HALF_CHOICES = tuple((half.value, half.label) for half in ScorecardHalf)


def tidy(name: str) -> str:
    """Spaces tidied, as names are compared and stored."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    """Names are unique per workspace whatever their case and spacing."""
    return tidy(name).casefold()


@dataclass(frozen=True)
class AttributeValues:
    """A checked attribute: what the services take."""

    name: str  # spaces tidied
    half: ScorecardHalf
    weight: int
    description: str = ""
    objective_id: int | None = None  # the strategic objective it serves (None: none)


@dataclass
class AttributeForm:
    """One scorecard attribute, as typed."""

    name: str = ""
    half: str = ""
    weight: str = ""
    description: str = ""  # what a 5 means
    objective_id: str = ""  # the objective it serves ('' for none)

    @classmethod
    def of(cls, attribute: ScorecardAttribute) -> AttributeForm:
        objective = str(attribute.objective_id) if attribute.objective_id else ""
        return cls(
            attribute.name, attribute.half, str(attribute.weight), attribute.description, objective
        )

    def tidied(self, values: AttributeValues) -> AttributeForm:
        """The form as checked, for showing it again when the service refused it."""
        return dataclasses.replace(self, name=values.name, description=values.description)

    def check(self) -> Checked[AttributeValues]:
        """The checked attribute. Whether the name is free is the service's to say (under the
        workspace's lock)."""
        errors = FormErrors()
        name = check_line(
            self.name, errors, "name", label="the attribute's name", max_length=MAX_NAME
        )
        description = check_text(
            self.description,
            errors,
            "description",
            label="what a 5 means",
            required=False,
            max_length=MAX_DESCRIPTION,
        )
        half = ScorecardHalf(self.half) if self.half in set(ScorecardHalf) else None
        if half is None:
            errors.add("half", "Choose the half: current performance or future potential and fit.")
        weight = as_int(self.weight, max_digits=2)
        if weight is None or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
            errors.add("weight", f"Choose a weight from {MIN_WEIGHT} to {MAX_WEIGHT}.")
        objective_id = as_int(self.objective_id) if self.objective_id.strip() else None
        if self.objective_id.strip() and objective_id is None:
            errors.add("objective_id", "Choose one of the workspace's objectives, or none.")
        if errors or half is None or weight is None:
            return errors
        return AttributeValues(tidy(name), half, weight, description, objective_id)


@dataclass(frozen=True)
class CheckedEntry:
    """One attribute as scored: what ``AccountScore.entries`` freezes."""

    attribute: ScorecardAttribute
    score: int
    note: str

    def scored(self) -> Scored:
        return Scored(self.attribute.half, self.attribute.weight, self.score)

    def frozen(self) -> dict[str, object]:
        return {
            "attribute_id": self.attribute.id,
            "name": self.attribute.name,
            "half": self.attribute.half,
            "weight": self.attribute.weight,
            "score": self.score,
            "note": self.note,
        }


@dataclass(frozen=True)
class ScoringValues:
    entries: list[CheckedEntry]  # every live attribute, scored
    note: str  # the overall note


@dataclass
class ScoringForm:
    """A scoring of the account as typed: per attribute (its hidden id) a score (1 to 5) and a
    note, in the order of the form, and an overall note."""

    attribute: tuple[str, ...] = ()
    score: tuple[str, ...] = ()
    attribute_note: tuple[str, ...] = ()
    note: str = ""

    @property
    def scores(self) -> dict[int, str]:
        """Attribute id -> the score typed; ids that are not numbers are ignored."""
        return self._by_id(self.score)

    @property
    def notes(self) -> dict[int, str]:
        return self._by_id(self.attribute_note)

    def _by_id(self, typed: tuple[str, ...]) -> dict[int, str]:
        found: dict[int, str] = {}
        for position, raw in enumerate(self.attribute):
            attribute_id = as_int(raw)
            if attribute_id is not None:
                found[attribute_id] = typed[position] if position < len(typed) else ""
        return found

    @classmethod
    def prefilled(cls, entries: Sequence[dict[str, object]]) -> ScoringForm:
        """The latest scoring's scores and notes, for the attributes it scored."""
        scored = [entry for entry in entries if isinstance(entry.get("attribute_id"), int)]
        return cls(
            tuple(str(entry["attribute_id"]) for entry in scored),
            tuple(str(entry.get("score", "")) for entry in scored),
            tuple(str(entry.get("note", "") or "") for entry in scored),
        )

    def check(self, attributes: Sequence[ScorecardAttribute]) -> Checked[ScoringValues]:
        """Every attribute in ``attributes`` (the workspace's live ones) must be scored; errors
        are keyed ``score-<id>`` and ``note-<id>``. Scores of attributes no longer on the
        scorecard are dropped."""
        errors = FormErrors()
        entries: list[CheckedEntry] = []
        scores, notes = self.scores, self.notes
        for attribute in attributes:
            assert attribute.id is not None
            key = attribute.id
            score = _score(scores.get(key, "").strip(), errors, attribute)
            note = check_text(
                notes.get(key, ""),
                errors,
                f"note-{key}",
                label=f"the note on “{attribute.name}”",
                required=False,
                max_length=MAX_NOTE,
            )
            if score is not None:
                entries.append(CheckedEntry(attribute, score, note))
        note = check_text(
            self.note,
            errors,
            "note",
            label="the overall note",
            required=False,
            max_length=MAX_OVERALL_NOTE,
        )
        return errors or ScoringValues(entries, note)


def _score(typed: str, errors: FormErrors, attribute: ScorecardAttribute) -> int | None:
    score = as_int(typed, max_digits=1)
    if not typed:
        errors.add(
            f"score-{attribute.id}",
            f"Score “{attribute.name}” from {SCORE_MIN} to {SCORE_MAX}: every attribute "
            "needs a score.",
        )
    elif score is None or not SCORE_MIN <= score <= SCORE_MAX:
        errors.add(
            f"score-{attribute.id}",
            f"Score “{attribute.name}” with a whole number from {SCORE_MIN} to {SCORE_MAX}.",
        )
        return None
    return score
