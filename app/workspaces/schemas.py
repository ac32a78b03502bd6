"""The value-dimensions form: one dimension per line of a textarea. Checked into the list of
names or an error at the field; what was typed always comes back. And the currency form."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from app.kit import numbers
from app.kit.forms import Checked
from app.web.forms import FormErrors, text_problem

MIN_DIMENSIONS = 3
MAX_DIMENSIONS = 10
MAX_NAME = 60
FIELD = "dimensions"
# Control characters, and the Unicode line and paragraph separators (which would otherwise
# split or hide a name without anyone seeing why).
_INVISIBLE = frozenset({"Cc", "Zl", "Zp"})


def _lines(text: str) -> list[str]:
    """The typed lines, split only on real line breaks (a stray control character is reported,
    never silently taken for a line break)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass(frozen=True)
class ValueDimensions:
    names: tuple[str, ...]  # in the order typed


@dataclass
class ValueDimensionsForm:
    dimensions: str = ""  # one per line

    @property
    def text(self) -> str:
        return self.dimensions

    @classmethod
    def of(cls, names: list[str]) -> ValueDimensionsForm:
        return cls("\n".join(names))

    def check(self) -> Checked[ValueDimensions]:
        """The names in the order typed (blank lines skipped, spaces tidied)."""
        errors = FormErrors()
        names: list[str] = []
        seen: dict[str, int] = {}
        for number, line in enumerate(_lines(self.dimensions), start=1):
            if any(unicodedata.category(c) in _INVISIBLE for c in line):
                errors.add(
                    FIELD,
                    f"Line {number} contains invisible control characters. Retype it.",
                )
                continue
            problem = text_problem(line, one_line=True)
            if problem:
                errors.add(FIELD, f"Line {number}: {problem.format(label='the dimension')}")
                continue
            name = " ".join(line.split())
            if not name:
                continue
            if len(name) > MAX_NAME:
                errors.add(
                    FIELD,
                    f"“{name[:MAX_NAME]}…” (line {number}) has {len(name)} characters; keep "
                    f"each dimension to {MAX_NAME} characters or fewer.",
                )
                continue
            key = name.casefold()
            if key in seen:
                errors.add(
                    FIELD,
                    f"“{name}” (line {number}) repeats line {seen[key]}. Each dimension once.",
                )
                continue
            seen[key] = number
            names.append(name)
        if not errors and not MIN_DIMENSIONS <= len(names) <= MAX_DIMENSIONS:
            errors.add(
                FIELD,
                f"Enter {MIN_DIMENSIONS} to {MAX_DIMENSIONS} dimensions, one per line "
                f"(there {'is' if len(names) == 1 else 'are'} {len(names)}).",
            )
        return errors or ValueDimensions(tuple(names))


CURRENCY_FIELD = "currency"


@dataclass(frozen=True)
class ChosenCurrency:
    code: str  # one of ``app.kit.numbers.CURRENCIES``


@dataclass
class CurrencyForm:
    currency: str = ""

    def check(self) -> Checked[ChosenCurrency]:
        code = self.currency.strip().upper()
        if numbers.is_currency(code):
            return ChosenCurrency(code)
        errors = FormErrors()
        errors.add(
            CURRENCY_FIELD,
            f"“{self.currency.strip()[:80]}” is not a currency Jointplan offers. Choose one "
            "from the list (an ISO 4217 code, e.g. EUR or USD)."
            if self.currency.strip()
            else "Choose the workspace's currency from the list.",
        )
        return errors
