"""Small helpers for HTML forms: every field comes in as text and goes back on error."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from fastapi import Request

from app.web.errors import NotFoundError

MAX_TEXT = 200
# The largest id either database can hold (SQLite's INTEGER); a larger one cannot exist.
MAX_ID = 2**63 - 1


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


def check_text(
    value: str,
    errors: FormErrors,
    field: str,
    *,
    label: str,
    required: bool = True,
    max_length: int = MAX_TEXT,
) -> str:
    value = value.strip()
    if required and not value:
        errors.add(field, f"Enter {label}.")
    elif any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        # PostgreSQL cannot store NUL, and no one types the other control characters.
        errors.add(field, f"Remove the invisible control characters from {label}.")
    elif len(value) > max_length:
        errors.add(field, f"Keep {label} under {max_length} characters.")
    return value


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go to after sign-in; anything else falls back to ``default``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


def ids_in_range(request: Request) -> None:
    """App-wide dependency: an id in the path too large for the database is simply not found
    (instead of an overflow in the database driver)."""
    for name, value in request.path_params.items():
        if name.endswith("_id") and isinstance(value, str):
            digits = value.lstrip("+-")
            if digits.isdigit() and len(digits) > 18 and int(digits) > MAX_ID:
                raise NotFoundError()
