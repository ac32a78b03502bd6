"""Small helpers for HTML forms: every field comes in as text and goes back on error."""

from __future__ import annotations

import email
import unicodedata
from functools import partial
from typing import Annotated
from urllib.parse import parse_qsl

from email_validator import EmailNotValidError, validate_email
from fastapi import Form, Request

from app.web.errors import NotFoundError, UndecodableFormError

MAX_TEXT = 200
# The largest id either database can hold (SQLite's INTEGER); a larger one cannot exist.
MAX_ID = 2**63 - 1


# One input a route reads on its own, beside or instead of a form (a direction, a reason).
Text = Annotated[str, Form()]
# The version an edit form was based on (``app.kit.versioned``); give it the default 0.
Version = Annotated[int, Form()]


class FormErrors(dict[str, str]):
    """Field name -> message; ``"_form"`` for a message about the whole form."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def normalize_email(value: str) -> str:
    return value.strip().lower()


def as_int(value: str, *, max_digits: int = 18) -> int | None:
    """The whole number typed, or None. ASCII digits only: ``str.isdigit`` also accepts '²',
    which ``int`` refuses, and a bound on the length keeps any id within both databases."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= max_digits:
        return int(value)
    return None


def check_email(value: str, errors: FormErrors, field: str = "email") -> str:
    """The normalized address, or '' with an error noted."""
    value = value.strip()
    if not value:
        errors.add(field, "Enter an e-mail address.")
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        errors.add(field, "This is not a valid e-mail address, e.g. name@company.com.")
        return ""
    return normalize_email(result.normalized)


LINE_BREAKS = frozenset("\r\n\u2028\u2029\x85\x0b\x0c")
# The joiners that Persian, Indic scripts and emoji need; every other invisible formatting
# character (Unicode category Cf) can make a one-line text read as something it is not.
NEEDED_FORMATTING = frozenset("\u200c\u200d")


def text_problem(value: str, *, one_line: bool = False) -> str:
    """What is wrong with the characters of ``value`` ('' if nothing), to be completed with the
    field's label.

    No text may hold control characters (C0, DEL, C1; PostgreSQL cannot store NUL and no one
    types the others) but tabs and line breaks. A one-line text (a name, a title, a period:
    what shows in lists, headings and e-mail subjects) holds no line break, no tab, and no
    invisible formatting: bidirectional embeddings, overrides and isolates (U+202A-U+202E,
    U+2066-U+2069), direction marks (U+200E, U+200F, U+061C), zero-width spaces and the like,
    with which "txt.exe" can be shown as "exe.txt".
    """
    if one_line and any(c in LINE_BREAKS for c in value):
        return "Keep {label} on one line."
    for c in value:
        category = unicodedata.category(c)
        if category == "Cc" and (one_line or c not in "\t\n\r"):
            return "Remove the invisible control characters from {label}."
        if one_line and category == "Cf" and c not in NEEDED_FORMATTING:
            return (
                "Remove the invisible formatting characters (such as right-to-left marks) "
                "from {label}: they can make it read as something else."
            )
    return ""


def clean_line(value: str) -> str:
    """``value`` as one line without what ``text_problem`` refuses in one (line breaks and
    tabs become spaces; control and invisible formatting characters go), for text no one can
    be asked to correct: a name an identity provider sends, an e-mail's subject."""
    kept = []
    for c in value:
        if c in LINE_BREAKS or c == "\t":
            kept.append(" ")
        elif unicodedata.category(c) not in ("Cc", "Cf") or c in NEEDED_FORMATTING:
            kept.append(c)
    return " ".join("".join(kept).split())


def check_text(
    value: str,
    errors: FormErrors,
    field: str,
    *,
    label: str,
    required: bool = True,
    max_length: int = MAX_TEXT,
    one_line: bool = False,
) -> str:
    """The text without surrounding spaces; an error noted when it is missing, too long, or
    holds characters it may not (``text_problem``). ``one_line`` for names and titles."""
    value = value.strip()
    problem = text_problem(value, one_line=one_line)
    if required and not value:
        errors.add(field, f"Enter {label}.")
    elif problem:
        errors.add(field, problem.format(label=label))
    elif len(value) > max_length:
        errors.add(field, f"Keep {label} under {max_length} characters.")
    return value


def check_new_password(
    password: str, confirm: str, errors: FormErrors, *, problem: str | None
) -> None:
    """A new password typed twice: ``problem`` (what the password rules find wrong with it,
    ``app.auth.passwords.password_problem``) noted on ``password``, else a differing
    confirmation on ``password_confirm``."""
    if problem:
        errors.add("password", problem)
    elif password != confirm:
        errors.add("password_confirm", "The two passwords differ.")


# ``check_text`` for a one-line text: a name, a title, anything an e-mail subject shows.
check_line = partial(check_text, one_line=True)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Fields never shown back on an error page.
_NOT_SHOWN = ("csrf_token", "password")


def undecodable_form(body: bytes, content_type: str) -> str | None:
    """None when every field of a form body is UTF-8 text; otherwise what the person wrote,
    decoded with replacement characters: to show back, never to store. (Starlette decodes
    such bytes as Latin-1, which would store "\xff\xfe" as "ÿþ".)"""
    kind = content_type.lower()
    if kind.startswith(FORM_TYPES[0]):
        try:
            parse_qsl(body.decode(), keep_blank_values=True, errors="strict")
            return None
        except UnicodeDecodeError:
            text = body.decode(errors="replace")
            fields = parse_qsl(text, keep_blank_values=True, errors="replace")
    elif kind.startswith(FORM_TYPES[1]):
        try:
            body.decode()  # every part is text, and boundaries are ASCII
            return None
        except UnicodeDecodeError:
            fields, undecodable = _multipart_fields(body, content_type)
            if not undecodable:  # only a file's bytes are not text (an upload): fine
                return None
    else:
        return None
    shown = [v.strip() for k, v in fields if v.strip() and not k.startswith(_NOT_SHOWN)]
    return "\n\n".join(shown)


def _multipart_fields(body: bytes, content_type: str) -> tuple[list[tuple[str, str]], bool]:
    """The text fields of a multipart body (files left out: their bytes are the file's), and
    whether one of them is not UTF-8."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    fields, undecodable = [], False
    for part in email.message_from_bytes(head + body).walk():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if part.get_param("filename", header="content-disposition") is not None:
            continue
        try:
            fields.append((name, payload.decode()))
        except UnicodeDecodeError:
            undecodable = True
            fields.append((name, payload.decode(errors="replace")))
    return fields, undecodable


async def form_is_text(request: Request) -> None:
    """App-wide dependency: a form with bytes that are not UTF-8 is refused with a clear page
    that shows what could be read of it (``SecurityMiddleware`` looked at the raw body).
    ``async``, as ``ids_in_range``: it only looks at the request, not worth a worker thread."""
    kept = getattr(request.state, "undecodable_form", None)
    if kept is not None:
        raise UndecodableFormError(kept=kept)


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go to after sign-in; anything else falls back to ``default``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


async def ids_in_range(request: Request) -> None:
    """App-wide dependency: an id in the path too large for the database is simply not found
    (instead of an overflow in the database driver)."""
    for name, value in request.path_params.items():
        if name.endswith("_id") and isinstance(value, str):
            digits = value.lstrip("+-")
            if digits.isdigit() and len(digits) > 18 and int(digits) > MAX_ID:
                raise NotFoundError()
