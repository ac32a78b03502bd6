"""@mentions: ``@`` followed by an account member's display name or e-mail address.

The longest matching name wins (``@Ann Lee`` is Ann Lee, not Ann), case-insensitive, and only
at a word boundary: an ``@`` inside a word (``ann@example.com``) is not a mention, and a name
must not run on into a longer word (``@Annabel`` is not Ann). A comment's body is never marked
safe for HTML: it is split into plain-text segments here and the template escapes each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Person(Protocol):
    """Who may be mentioned: a ``User``, or just the three columns a mention needs."""

    @property
    def id(self) -> int | None: ...
    @property
    def display_name(self) -> str: ...
    @property
    def email(self) -> str: ...


def may_mention(bodies: Iterable[str]) -> bool:
    """Whether any of ``bodies`` can hold a mention at all (an ``@``): else nobody need be
    loaded to find them."""
    return any("@" in body for body in bodies)


@dataclass(frozen=True)
class Segment:
    text: str
    user_id: int | None = None  # set: this segment mentions that person


def _candidates(people: Sequence[Person]) -> list[tuple[str, int]]:
    """(name folded for comparison, user id), longest first."""
    found = {
        (name.casefold(), person.id)
        for person in people
        if person.id is not None
        for name in (person.display_name.strip(), person.email.strip())
        if name
    }
    return sorted(found, key=lambda pair: (-len(pair[0]), pair[0]))


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def split(body: str, people: Sequence[Person]) -> list[Segment]:
    """``body`` as text segments, the mentions of ``people`` as segments of their own."""
    candidates = _candidates(people)
    segments: list[Segment] = []
    start = i = 0
    while i < len(body):
        if body[i] == "@" and (i == 0 or not _is_word(body[i - 1])):
            match = _match_at(body, i + 1, candidates)
            if match is not None:
                end, user_id = match
                if start < i:
                    segments.append(Segment(body[start:i]))
                segments.append(Segment(body[i:end], user_id))
                start = i = end
                continue
        i += 1
    if start < len(body):
        segments.append(Segment(body[start:]))
    return segments


def _match_at(body: str, at: int, candidates: list[tuple[str, int]]) -> tuple[int, int] | None:
    for name, user_id in candidates:
        end = at + len(name)
        if end > len(body) or body[at:end].casefold() != name:
            continue
        if end < len(body) and _is_word(body[end]) and _is_word(body[end - 1]):
            continue  # the name runs on into a longer word
        return end, user_id
    return None


def mentioned(body: str, people: Sequence[Person]) -> set[int]:
    """The ids of the people ``body`` mentions."""
    return {s.user_id for s in split(body, people) if s.user_id is not None}
