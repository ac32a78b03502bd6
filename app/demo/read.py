"""Reads the demo's story from the TOML files under ``story/`` into the dataclasses of
``app.demo.entries``, and refuses anything it cannot play.

A wrong or missing key, a value of the wrong type or an unknown choice fails with the file and
the entry named (``harbor.toml, actions[3] 'leavers', owner: …``); so does a name that no entry
defines (a person, an account, a priority…). The files ship with the package (pyproject.toml's
package data).
"""

from __future__ import annotations

import tomllib
import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any, NewType, TypeVar, Union, get_args, get_origin, get_type_hints

from app.demo.entries import (
    NAMES,
    AccountName,
    Cast,
    JointReviews,
    Person,
    PlanStory,
    Portfolio,
    Previous,
    StrategyWorkspace,
)

T = TypeVar("T")
DEFINING = ("key", "name")  # a field of a name's type called so defines the name


class StoryError(ValueError):
    """The story's data cannot be played; the message names the file and the entry."""


@dataclass
class Names:
    """The names the story defines, by type, and where each was used."""

    defined: dict[Any, set[str]] = field(default_factory=dict)
    used: list[tuple[Any, str, str]] = field(default_factory=list)  # (type, name, where)

    def copy(self) -> Names:
        """These names, for a file whose own names must not reach its siblings."""
        return Names({kind: set(known) for kind, known in self.defined.items()})

    def check(self, source: str) -> None:
        for kind, name, where in self.used:
            known = self.defined.get(kind, set())
            if name not in known:
                raise StoryError(
                    f"{source}, {where}: {name!r} names no {NAMES[kind]} the story defines "
                    f"(known: {', '.join(sorted(known)) or 'none'})"
                )


def read(file: str, shape: type[T], names: Names) -> T:
    """The entry ``shape`` of ``story/<file>``; its names join ``names`` and every name it uses
    must be defined by now (by this file or one read before it)."""
    text = resources.files("app.demo").joinpath("story", file).read_text(encoding="utf-8")
    return parse(text, shape, names, source=file)


def parse(text: str, shape: type[T], names: Names, *, source: str) -> T:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StoryError(f"{source}: not TOML: {error}") from error
    names.used.clear()
    try:
        built: T = _build(shape, raw, "", names)
    except _Wrong as wrong:
        raise StoryError(f"{source}, {wrong.where or 'the file'}: {wrong}") from wrong
    names.check(source)
    return built


class _Wrong(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


def _build(shape: Any, raw: Any, where: str, names: Names) -> Any:
    """``raw`` as a value of type ``shape``."""
    origin, args = get_origin(shape), get_args(shape)
    if origin in (Union, types.UnionType):
        if raw is None:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _build(inner, raw, where, names)
    if origin is tuple:
        items = enumerate(_expect(list, raw, where))
        return tuple(_build(args[0], item, _at(where, i, item), names) for i, item in items)
    if origin is dict:
        table = _expect(dict, raw, where)
        return {
            _build(args[0], key, where, names): _build(args[1], value, _in(where, key), names)
            for key, value in table.items()
        }
    if is_dataclass(shape):
        return _entry(shape, _expect(dict, raw, where), where, names)
    if isinstance(shape, NewType):
        return shape(_expect(str, raw, where))
    if isinstance(shape, type) and issubclass(shape, Enum):
        try:
            return shape(_expect(str, raw, where))
        except ValueError:
            choices = ", ".join(member.value for member in shape)
            raise _Wrong(where, f"{raw!r} is not one of {choices}") from None
    return _expect(shape, raw, where)


def _entry(shape: Any, table: dict[str, Any], where: str, names: Names) -> Any:
    """One dataclass from its table: no unknown key, no missing one; its names noted."""
    hints = get_type_hints(shape)
    known = {f.name: f for f in fields(shape)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise _Wrong(where, f"unknown key {unknown[0]!r} (known: {', '.join(known)})")
    values = {}
    for name, spec in known.items():
        if name not in table:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise _Wrong(where, f"missing key {name!r}")
            continue
        value = _build(hints[name], table[name], _in(where, name), names)
        _note(names, hints[name], value, defines=name in DEFINING, where=_in(where, name))
        values[name] = value
    try:
        return shape(**values)
    except ValueError as error:
        raise _Wrong(where, str(error)) from None


def _note(names: Names, shape: Any, value: Any, *, defines: bool, where: str) -> None:
    """Record the names ``value`` defines or uses, when its type is one of the story's names
    (alone, optional, or the items or keys of a tuple or dict)."""
    kind = next((k for k in (shape, *get_args(shape)) if k in NAMES), None)
    if kind is None:
        return
    for name in value if isinstance(value, tuple | dict) else (value,):
        if name is None:
            continue
        if not defines:
            names.used.append((kind, name, where))
            continue
        known = names.defined.setdefault(kind, set())
        if name in known:
            raise _Wrong(where, f"{name!r} is defined twice")
        known.add(name)


def _expect(kind: type[T], raw: Any, where: str) -> T:
    if kind is int and isinstance(raw, bool):
        raise _Wrong(where, f"{raw!r} is not a whole number")
    if kind is date and (not isinstance(raw, date) or isinstance(raw, datetime)):
        raise _Wrong(where, f"{raw!r} is not a date (YYYY-MM-DD)")
    if not isinstance(raw, kind):
        raise _Wrong(where, f"{raw!r} is not a {_KIND_NAMES.get(kind, kind.__name__)}")
    return raw


_KIND_NAMES = {str: "text", int: "whole number", bool: "true or false", list: "list", dict: "table"}


def _in(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _at(where: str, index: int, item: Any) -> str:
    """``actions[3] 'leavers'``: an entry of a list, by position and by its key if it has one."""
    label = item.get("key") or item.get("name") if isinstance(item, dict) else None
    return f"{where}[{index}]" + (f" {label!r}" if isinstance(label, str) else "")


@dataclass(frozen=True)
class Story:
    """The whole story, every file read and checked."""

    cast: Cast
    previous: Previous
    harbor: PlanStory
    joint_reviews: JointReviews
    portfolio: Portfolio
    workspace: StrategyWorkspace


@cache
def cast() -> Cast:
    return read("people.toml", Cast, Names())


@cache
def story() -> Story:
    """Each file may name what the files before it define: people.toml's people and accounts
    (and the portfolio's sponsors and accounts) everywhere; Harbor's priorities and initiatives
    in workspace.toml."""
    names = Names()
    people = read("people.toml", Cast, names)
    portfolio_names = names.copy()
    portfolio = read("portfolio.toml", Portfolio, portfolio_names)
    for kind in (Person, AccountName):
        names.defined[kind] = portfolio_names.defined[kind]
    harbor_names = names.copy()
    return Story(
        cast=people,
        previous=read("previous.toml", Previous, names.copy()),
        harbor=read("harbor.toml", PlanStory, harbor_names),
        joint_reviews=read("joint_reviews.toml", JointReviews, names.copy()),
        portfolio=portfolio,
        workspace=read("workspace.toml", StrategyWorkspace, harbor_names),
    )
