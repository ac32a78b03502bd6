"""Parsing the compare page's query parameters into version ids, or a clear message."""

from __future__ import annotations

from dataclasses import dataclass

from app.web.forms import as_int

CURRENT = "current"
_MAX_DIGITS = 18  # larger ids cannot exist (and would overflow the database's integer)


@dataclass
class CompareQuery:
    """``from`` (a version id) and ``to`` (a version id or "current"), as typed."""

    from_: str = ""
    to: str = ""

    @staticmethod
    def _id(value: str) -> int | None:
        return as_int(value, max_digits=_MAX_DIGITS)

    def check(self) -> tuple[str, int | None, int | None]:
        """(error message or "", from id, to id); to id None means the current plan."""
        from_id = self._id(self.from_)
        if from_id is None:
            return "Choose an agreed version to compare from.", None, None
        if self.to.strip() in ("", CURRENT):
            return "", from_id, None
        to_id = self._id(self.to)
        if to_id is None:
            return "Choose an agreed version, or the current plan, to compare with.", None, None
        return "", from_id, to_id
