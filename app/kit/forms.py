"""The form contract.

A form is a dataclass of the text a person typed, one ``str`` field per input (a ``tuple[str,
...]`` for an input sent several times, such as checkboxes). A route receives it whole with
``FormOf(SomeForm)``; the form's ``check(...)`` turns it into a typed, checked value or the set
of field errors (``Checked[Value]``). Services take only checked values and raise only domain
errors; the route shows the form again, with the person's text and the messages, on errors.

    form: Annotated[PriorityForm, FormOf(PriorityForm)]
    checked = form.check(owner_ids)
    if isinstance(checked, FormErrors):
        return page.refused(422, "priorities", form=form, errors=checked)
    service.create(db, actor=actor.user, plan=plan, values=checked)
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any, TypeVar, Union, get_type_hints

from fastapi import Depends, Request

from app.kit import numbers
from app.web.forms import FormErrors, as_int

T = TypeVar("T")
F = TypeVar("F")

# A checked form: the typed value, or what is wrong field by field.
Checked = Union[T, FormErrors]  # noqa: UP007 (a generic alias needs the TypeVar form)

# Thousands may be grouped with a comma, a space (also the no-break and thin spaces that
# spreadsheets and phones insert) or an apostrophe: "120,000", "120 000", "120'000". A dot is
# refused: "120.000" is 120 thousand in some countries and 120 in others.
_SEPARATORS = ",'’ \u00a0\u202f\u2009"

# What an HTML date input sends (the browser's own picker; typed by hand where it has none).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_amount(
    value: str, locale: str = numbers.DEFAULT_LOCALE, *, max_digits: int = 12
) -> int | None:
    """A whole amount, thousands optionally grouped (with a comma, an apostrophe or a space,
    or as the reader's locale groups them: '120.000' in de-DE); None if it is not one (or too
    long)."""
    value = value.strip()
    separators = _SEPARATORS + re.escape(numbers.group_symbol(locale))
    if re.fullmatch(rf"\d{{1,3}}(?:[{separators}]\d{{3}})+", value):
        value = re.sub(f"[{separators}]", "", value)
    return as_int(value, max_digits=max_digits)


def parse_date(value: str, *, first_year: int = 1, last_year: int = 9999) -> date | None:
    """The date of an HTML date input (YYYY-MM-DD; '' is None). Raises ValueError when it is
    not one, or when its year lies outside ``first_year``..``last_year`` (a typo such as 0202
    for 2026)."""
    if not value:
        return None
    if not ISO_DATE.fullmatch(value):
        raise ValueError(value)
    day = date.fromisoformat(value)
    if not first_year <= day.year <= last_year:
        raise ValueError(value)
    return day


def read_form(cls: type[F]) -> Any:
    """A dependency that builds ``cls`` from the request's form: missing fields are empty."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    hints = get_type_hints(cls)
    names = [field.name for field in dataclasses.fields(cls) if field.init]
    several = {name for name in names if hints[name] == tuple[str, ...]}

    async def dependency(request: Request) -> F:
        data = await request.form()
        values: dict[str, Any] = {}
        for name in names:
            if name in several:
                values[name] = tuple(v for v in data.getlist(name) if isinstance(v, str))
            else:
                value = data.get(name)
                values[name] = value if isinstance(value, str) else ""
        return cls(**values)

    dependency.__name__ = f"read_{cls.__name__}"
    return dependency


def FormOf(cls: type[F]) -> Any:
    """``Annotated[SomeForm, FormOf(SomeForm)]``: the whole form as typed."""
    return Depends(read_form(cls))


def read_form_or_defaults(cls: type[F]) -> Any:
    """Like ``read_form``, but a field the request does not send at all keeps the form's
    default (a form that some pages send without one of its inputs); a field sent empty is
    empty."""
    read = read_form(cls)
    defaults = {
        field.name: field.default
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if field.init and field.default is not dataclasses.MISSING
    }

    async def dependency(request: Request) -> F:
        form: F = await read(request)
        sent = await request.form()  # parsed once: the request keeps it
        missing = {name: value for name, value in defaults.items() if name not in sent}
        return dataclasses.replace(form, **missing) if missing else form  # type: ignore[type-var]

    dependency.__name__ = f"read_{cls.__name__}_or_defaults"
    return dependency


def FormOrDefaultsOf(cls: type[F]) -> Any:
    """``Annotated[SomeForm, FormOrDefaultsOf(SomeForm)]``: the whole form as typed, with the
    defaults of the fields not sent."""
    return Depends(read_form_or_defaults(cls))
