"""Small helpers for HTML forms: every field comes in as text and goes back on error."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_TEXT = 200


class FormErrors(dict[str, str]):
    """Field name -> message; ``"_form"`` for a message about the whole form."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def normalize_email(value: str) -> str:
    return value.strip().lower()


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
    elif len(value) > max_length:
        errors.add(field, f"Keep {label} under {max_length} characters.")
    return value


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go to after sign-in; anything else falls back to ``default``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default
