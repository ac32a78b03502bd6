"""What the preview of an import shows: every row with its values and its problems, each on
the column it is about. A domain fills it in; the confirmation is refused while any row has a
problem."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.imports.reading import Row


@dataclass
class RowCheck:
    row: Row
    errors: dict[str, str] = field(default_factory=dict)  # column name -> message

    @property
    def number(self) -> int:
        return self.row.number

    def add(self, column: str, message: str) -> None:
        self.errors.setdefault(column, message)


@dataclass
class Preview:
    rows: list[RowCheck]

    @property
    def bad(self) -> list[RowCheck]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.bad

    @property
    def problems(self) -> int:
        return sum(len(row.errors) for row in self.rows)


def mark_repeats(
    rows: Iterable[RowCheck], column: str, key: Callable[[RowCheck], str], message: str
) -> None:
    """Every row whose ``key`` (non-empty) an earlier row has too gets ``message``, formatted
    with the earlier row's ``number``."""
    first: dict[str, int] = {}
    for check in rows:
        value = key(check)
        if not value:
            continue
        if value in first:
            check.add(column, message.format(number=first[value]))
        else:
            first[value] = check.number
