"""The two steps' forms, checked with the same rules as the plan's own forms (a priority's
title, a rating, a strategy entry); what was typed always comes back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.kit.forms import Checked
from app.kit.words import plural
from app.models import StrategyKind
from app.priorities.schemas import PriorityForm, PriorityValues
from app.strategy.schemas import SECTIONS, StrategyForm, StrategyValues
from app.value.schemas import RatingForm, RatingValues
from app.web.forms import FormErrors, as_int

SLOTS = 5  # inputs on step 1: three to five priorities
AT_LEAST = 3  # what a plan should start with


@dataclass(frozen=True)
class Row:
    """One input of step 1 as typed: its title and its place (1 to ``SLOTS``)."""

    number: int
    title: str
    order: str

    @property
    def key(self) -> str:
        """What its inputs' ids end with: a word, as a number there would look like a row
        id (and sequential ones are what ``tests/test_internal_never_leaks.py`` rules out)."""
        return ("one", "two", "three", "four", "five")[self.number - 1]


@dataclass
class PrioritiesStep:
    """Step 1: several titles on one form, each with its place in the ranking."""

    title: tuple[str, ...] = ()
    order: tuple[str, ...] = ()

    def rows(self) -> list[Row]:
        """Always ``SLOTS`` rows; a place left out is the row's own."""
        titles = [*self.title[:SLOTS], *[""] * SLOTS][:SLOTS]
        orders = [*self.order[:SLOTS], *[""] * SLOTS][:SLOTS]
        return [
            Row(number, title, order or str(number))
            for number, (title, order) in enumerate(zip(titles, orders, strict=True), start=1)
        ]

    def check(self, *, existing: int) -> Checked[list[PriorityValues]]:
        """The typed priorities in the order their places give (ties: as typed). At least
        enough to make three with the ``existing`` ones, and at least one."""
        errors = FormErrors()
        typed: list[tuple[int, int, PriorityValues]] = []
        for row in self.rows():
            if not row.title.strip():
                continue
            checked = PriorityForm(title=row.title).check(set())
            if isinstance(checked, FormErrors):
                errors.add(f"title-{row.number}", checked["title"])
            place = as_int(row.order, max_digits=1)
            if place is None or not 1 <= place <= SLOTS:
                errors.add(f"order-{row.number}", f"Give a place from 1 to {SLOTS}.")
            if not isinstance(checked, FormErrors):
                typed.append((place or row.number, row.number, checked))
        needed = max(1, AT_LEAST - existing)
        if len(typed) + len([e for e in errors if e.startswith("title-")]) < needed:
            errors.add(
                "title-1",
                f"Type at least {plural(needed, 'priority', 'priorities')}, one per box, "
                "or skip this step for now.",
            )
        if errors:
            return errors
        return [values for _, _, values in sorted(typed, key=lambda t: (t[0], t[1]))]


@dataclass(frozen=True)
class ValueStepValues:
    rating: RatingValues
    advice: StrategyValues | None  # None: nothing was typed


@dataclass
class ValueStep:
    """Step 2: the overall rating (0 to 10), optionally the value expected in the future, and,
    optionally, what the vendor must do to
    succeed with the client, which becomes an entry of the plan's "What you need to do to
    succeed with us"."""

    overall: str = ""
    future_overall: str = ""  # optional: the value expected in the future
    advice: str = ""

    def check(self, dimensions: Sequence[str]) -> Checked[ValueStepValues]:
        errors = FormErrors()
        # The per-dimension scores are left unrated here (the plan's form has them).
        unrated = RatingForm(
            overall=self.overall,
            future_overall=self.future_overall,
            dimension=tuple(dimensions),
            score=("",) * len(dimensions),
        )
        rating = unrated.check(dimensions)
        if isinstance(rating, FormErrors):
            errors.update(rating)
        advice: StrategyValues | None = None
        if self.advice.strip():
            section = SECTIONS[StrategyKind.ADVICE]
            entry = StrategyForm(kind=section.kind.value, text=self.advice).check(section)
            if isinstance(entry, FormErrors):
                errors.add("advice", entry["text"])
            else:
                advice = entry
        if errors or isinstance(rating, FormErrors):
            return errors
        return ValueStepValues(rating, advice)
