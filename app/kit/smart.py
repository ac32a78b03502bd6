"""The SMART check every plan item uses: specific, measurable, achievable, realistic,
time-bound, each missing part named with a plain prompt ("No date: by when?").

Pure functions of an item's words and dates: no query, no clock of its own (callers pass the
day it is where the reader lives). Actions check their own fields (``app.actions.smart``: an
outcome, an owner, a due date, named with the letter they serve); a goal is one sentence,
perhaps with a line saying how it will be reached, so its check reads the words:

- specific: at least a few words (``MIN_WORDS``), not a single slogan;
- measurable: a figure (a number, a percentage, an amount);
- achievable: how it will be reached (the goal's own detail, or "through", "by ...ing", "via");
- realistic: no percentage beyond 100 and no date already gone;
- time-bound: a date (a year, a quarter, a month, "within 6 months", "by the end of ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Letter(StrEnum):
    """One part of SMART."""

    SPECIFIC = "specific"
    MEASURABLE = "measurable"
    ACHIEVABLE = "achievable"
    REALISTIC = "realistic"
    TIME_BOUND = "time_bound"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


@dataclass(frozen=True)
class Prompt:
    """A missing part, as the flag shown beside the item."""

    letter: Letter
    text: str

    @property
    def label(self) -> str:
        return self.text


MIN_WORDS = 4
_NUMBER = re.compile(r"\d")
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|per ?cent\b)", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DATED = re.compile(
    r"\b(?:q[1-4]|h[12]|fy\s?\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|(?:" + "|".join(_MONTHS.split()) + r")"
    r"|(?:within|in)\s+(?:the\s+next\s+)?\w+\s+(?:days?|weeks?|months?|quarters?|years?)"
    r"|(?:by|before|until)\s+(?:the\s+)?end\s+of|next\s+(?:year|quarter)|this\s+(?:year|quarter))\b",
    re.IGNORECASE,
)
_HOW = re.compile(r"\b(?:through|via|by\s+\w+ing|using|thanks\s+to)\b", re.IGNORECASE)

PROMPTS = {
    Letter.SPECIFIC: "Too vague: what exactly will change, and for whom?",
    Letter.MEASURABLE: "No measure: how much, how many, or how will you know?",
    Letter.ACHIEVABLE: "No path: how will it be reached?",
    Letter.TIME_BOUND: "No date: by when?",
}


def has_measure(text: str) -> bool:
    return bool(_NUMBER.search(_DATED.sub(" ", _YEAR.sub(" ", text))))


def has_date(text: str) -> bool:
    return bool(_YEAR.search(text) or _DATED.search(text))


def _unrealistic(text: str, today: date) -> str:
    """Why the goal looks out of reach ('' when nothing says so)."""
    years = [int(y) for y in _YEAR.findall(text)]
    if years and max(years) < today.year:
        return f"The date ({max(years)}) has passed: is it still realistic?"
    shares = [float(p.replace(",", ".")) for p in _PERCENT.findall(text)]
    if shares and max(shares) > 100:
        return "More than 100%: is that realistic?"
    return ""


def check_goal(text: str, *, detail: str = "", today: date) -> list[Prompt]:
    """What a goal lacks to be SMART, in the letters' order; none when it is SMART."""
    words = f"{text} {detail}"
    found: list[Prompt] = []
    if len(text.split()) < MIN_WORDS:
        found.append(Prompt(Letter.SPECIFIC, PROMPTS[Letter.SPECIFIC]))
    if not has_measure(words):
        found.append(Prompt(Letter.MEASURABLE, PROMPTS[Letter.MEASURABLE]))
    if not detail.strip() and not _HOW.search(text):
        found.append(Prompt(Letter.ACHIEVABLE, PROMPTS[Letter.ACHIEVABLE]))
    if why := _unrealistic(words, today):
        found.append(Prompt(Letter.REALISTIC, why))
    if not has_date(words):
        found.append(Prompt(Letter.TIME_BOUND, PROMPTS[Letter.TIME_BOUND]))
    return found
