"""The sponsor's answer, as typed and checked."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import KeyAccountWish
from app.web.forms import FormErrors, as_int, check_text

MAX_WORDS = 2000
CHOICES = tuple((wish.value, wish.label) for wish in KeyAccountWish)


@dataclass(frozen=True)
class AnswerValues:
    answer: KeyAccountWish
    words: str


@dataclass
class AnswerForm:
    answer: str = ""
    words: str = ""  # in the client's own words
    based_on: str = ""  # the version of the answer the form showed (0: none yet)

    @property
    def version(self) -> int:
        return as_int(self.based_on) or 0

    def check(self) -> Checked[AnswerValues]:
        errors = FormErrors()
        wish = KeyAccountWish(self.answer) if self.answer in set(KeyAccountWish) else None
        if wish is None:
            errors.add("answer", "Choose your answer: yes, not now, or no.")
        words = check_text(
            self.words,
            errors,
            "words",
            label="your answer in your own words",
            required=False,
            max_length=MAX_WORDS,
        )
        if errors or wish is None:
            return errors
        return AnswerValues(wish, words)
