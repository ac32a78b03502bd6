"""The scorecard's forms, checked into values or field errors (what was typed always comes
back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


@dataclass
class AttributeForm:
    """One scorecard attribute, as typed."""

    name: str = ""
    half: str = ""
    weight: str = ""
    description: str = ""  # what a 5 means

    @classmethod
    def of(cls, attribute: ScorecardAttribute) -> AttributeForm:
        return cls(attribute.name, attribute.half, str(attribute.weight), attribute.description)

    def check(self) -> tuple[FormErrors, ScorecardHalf | None, int | None]:
        """Errors, the half and the weight. Whether the name is free is the service's to say
        (under the workspace's lock)."""
        errors = FormErrors()
        self.name = check_line(
            self.name, errors, "name", label="the attribute's name", max_length=MAX_NAME
        )
        if "name" not in errors:
            self.name = tidy(self.name)
        self.description = check_text(
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
            weight = None
        return errors, half, weight


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


@dataclass
class ScoringForm:
    """A scoring of the account: per attribute id a typed score (1 to 5) and note, and an
    overall note."""

    scores: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    note: str = ""

    @classmethod
    def typed(
        cls, attribute_ids: Sequence[str], scores: Sequence[str], notes: Sequence[str], note: str
    ) -> ScoringForm:
        """From the form's parallel lists (a hidden attribute id, its score, its note, in the
        order of the form); ids that are not numbers are ignored."""
        form = cls(note=note)
        for position, raw in enumerate(attribute_ids):
            attribute_id = as_int(raw)
            if attribute_id is None:
                continue
            form.scores[attribute_id] = scores[position] if position < len(scores) else ""
            form.notes[attribute_id] = notes[position] if position < len(notes) else ""
        return form

    @classmethod
    def prefilled(cls, entries: Sequence[dict[str, object]]) -> ScoringForm:
        """The latest scoring's scores and notes, for the attributes it scored."""
        form = cls()
        for entry in entries:
            attribute_id = entry.get("attribute_id")
            if isinstance(attribute_id, int):
                form.scores[attribute_id] = str(entry.get("score", ""))
                form.notes[attribute_id] = str(entry.get("note", "") or "")
        return form

    def check(
        self, attributes: Sequence[ScorecardAttribute]
    ) -> tuple[FormErrors, list[CheckedEntry]]:
        """Every attribute in ``attributes`` (the workspace's live ones) must be scored; errors
        are keyed ``score-<id>`` and ``note-<id>``. Scores of attributes no longer on the
        scorecard are dropped."""
        errors = FormErrors()
        entries: list[CheckedEntry] = []
        for attribute in attributes:
            assert attribute.id is not None
            key = attribute.id
            typed = self.scores.get(key, "").strip()
            score = as_int(typed, max_digits=1)
            if not typed:
                errors.add(
                    f"score-{key}",
                    f"Score “{attribute.name}” from {SCORE_MIN} to {SCORE_MAX}: every attribute "
                    "needs a score.",
                )
            elif score is None or not SCORE_MIN <= score <= SCORE_MAX:
                errors.add(
                    f"score-{key}",
                    f"Score “{attribute.name}” with a whole number from {SCORE_MIN} to "
                    f"{SCORE_MAX}.",
                )
                score = None
            note = check_text(
                self.notes.get(key, ""),
                errors,
                f"note-{key}",
                label=f"the note on “{attribute.name}”",
                required=False,
                max_length=MAX_NOTE,
            )
            self.notes[key] = note
            if score is not None:
                entries.append(CheckedEntry(attribute, score, note))
        self.note = check_text(
            self.note,
            errors,
            "note",
            label="the overall note",
            required=False,
            max_length=MAX_OVERALL_NOTE,
        )
        return errors, entries
