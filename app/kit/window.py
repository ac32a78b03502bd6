"""A long list rendered a page at a time: the first page with the page, the rest on demand.

A plan can hold hundreds of actions; a person reads the first screen of them. A list shows its
first ``PAGE`` rows; "Show more" asks the list's section for the next page (``?NAME_from=N``,
htmx swaps the rows in place of the button), and without JavaScript a link asks the page for
them all (``?NAME=all``); a live update asks for as many rows as the person has opened
(``?NAME_upto=N``). A row a change is about (``reveal``: the one just added or changed)
is always shown, with the rows before it, so an answer never hides what the person touched.

The window works on rows already in memory (the section's view model): it bounds what is
rendered, which is where a large page spends its time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.web.forms import as_int

T = TypeVar("T")
U = TypeVar("U")

PAGE = 20


@dataclass(frozen=True)
class Window:
    """Which rows of the list ``name`` a response renders: from ``start``, ``size`` of them
    (``None``: all the rest)."""

    name: str
    start: int = 0
    size: int | None = PAGE

    @classmethod
    def of(cls, name: str, params: Mapping[str, str]) -> Window:
        """From the query string: ``NAME=all``, ``NAME_from=N`` (a page from N), ``NAME_upto=N``
        (the first N rows, at least a page: what a live update fetches again for a list the
        person opened further, static/live.js), else the first page."""
        if params.get(name) == "all":
            return cls(name, 0, None)
        start = as_int(params.get(f"{name}_from", ""), max_digits=6)
        if start is not None:
            return cls(name, start)
        upto = as_int(params.get(f"{name}_upto", ""), max_digits=6)
        if upto is not None:
            return cls(name, 0, max(PAGE, upto))
        return cls(name)

    @property
    def is_more(self) -> bool:
        """A later page asked for alone (the rows go in place of the "show more" button)."""
        return self.start > 0

    def slice(self, rows: Sequence[T], reveal: Callable[[T], bool] | None = None) -> Shown[T]:
        """The rows to render, widened to hold the first row ``reveal`` picks."""
        end = None if self.size is None else self.start + self.size
        if end is not None and reveal is not None:
            at = next((i for i, row in enumerate(rows) if reveal(row)), -1)
            end = max(end, at + 1)
        end = len(rows) if end is None else min(end, len(rows))
        start = min(self.start, end)
        return Shown(self.name, list(rows[start:end]), end, len(rows))


class Windows:
    """The windows a request asks for, by list name (``windows("actions")``): a page's
    context holds one, so that every list on it reads its own from the same query string."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self.params = params

    def __call__(self, name: str) -> Window:
        return Window.of(name, self.params)

    def asks(self, name: str) -> bool:
        """Whether the query names the list ``name`` (all of it, a page of it, or the rows a
        live update keeps): a list rendered only on demand is then rendered."""
        return any(key in self.params for key in (name, f"{name}_from", f"{name}_upto"))


@dataclass(frozen=True)
class Shown(Generic[T]):
    """The rows rendered, and what is left: ``rest`` rows from ``end`` on."""

    name: str
    rows: list[T]
    end: int
    total: int

    def map(self, build: Callable[[T], U]) -> Shown[U]:
        """The same window over ``build`` of each row (view rows made only for what shows)."""
        return Shown(self.name, [build(row) for row in self.rows], self.end, self.total)

    @property
    def rest(self) -> int:
        return self.total - self.end

    @property
    def next_size(self) -> int:
        return min(PAGE, self.rest)

    def more_query(self) -> str:
        """The query of the next page (for htmx)."""
        return f"{self.name}_from={self.end}"

    def all_query(self) -> str:
        """The query of the whole list (the link without JavaScript)."""
        return f"{self.name}=all"
