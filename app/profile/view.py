"""What the profile and the validation pages show of a section, worked out from rows already
loaded (no queries here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from app.kit.versioned import StaleEdit
from app.models import ProfileKind, ProfileSection, User, Validation
from app.profile.repository import VALIDATED, SectionRow
from app.profile.schemas import GUIDES, Guide
from app.profile.service import answer_version
from app.web.forms import FormErrors

_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (separated by blank lines); line breaks inside stay in each."""
    return [p.strip() for p in _BLANK_LINES.split(text.replace("\r\n", "\n")) if p.strip()]


def name_of(user: User | None) -> str:
    return user.display_name if user else "someone no longer here"


@dataclass
class SectionView:
    """One section of the profile page, with what its forms show after a failed request."""

    guide: Guide
    row: SectionRow | None
    typed: str | None = None  # the text as typed (after bad input or a stale edit)
    errors: FormErrors = field(default_factory=FormErrors)
    stale: StaleEdit | None = None
    notice: str = ""
    problem: str = ""  # why sending / withdrawing / adopting could not be done

    @property
    def kind(self) -> ProfileKind:
        return self.guide.kind

    @property
    def section(self) -> ProfileSection | None:
        return self.row.section if self.row else None

    @property
    def body(self) -> str:
        return self.section.body if self.section else ""

    @property
    def form_text(self) -> str:
        return self.body if self.typed is None else self.typed

    @property
    def version(self) -> int:
        """What the forms send as the version they are based on (0: never saved)."""
        return self.section.version if self.section else 0

    @property
    def paragraphs(self) -> list[str]:
        return paragraphs(self.body)

    @property
    def shared_paragraphs(self) -> list[str]:
        return paragraphs(self.section.shared_body) if self.section else []

    @property
    def correction_paragraphs(self) -> list[str]:
        return paragraphs(self.section.client_correction) if self.section else []

    @property
    def validation(self) -> str:
        return self.section.validation if self.section else Validation.NONE.value

    @property
    def is_sent(self) -> bool:
        return self.validation != Validation.NONE

    @property
    def is_validated(self) -> bool:
        return self.validation in VALIDATED

    @property
    def edited_since_sent(self) -> bool:
        """The text differs from what the client has: neither the text as sent nor the client's
        own correction (which the team may have adopted word for word)."""
        section = self.section
        return (
            section is not None
            and self.is_sent
            and self.body != section.shared_body
            and not (
                self.validation == Validation.CORRECTED and self.body == section.client_correction
            )
        )

    @property
    def editor(self) -> str:
        return name_of(self.row.editor if self.row else None)

    @property
    def sender(self) -> str:
        return name_of(self.row.sender if self.row else None)

    @property
    def answerer(self) -> str:
        return name_of(self.row.answerer if self.row else None)

    @property
    def can_adopt(self) -> bool:
        section = self.section
        return (
            section is not None
            and section.validation == Validation.CORRECTED
            and bool(section.client_correction)
            and section.client_correction != section.body
        )

    @property
    def open_edit(self) -> bool:
        return self.typed is not None


def profile_views(rows: list[SectionRow]) -> list[SectionView]:
    """All eight sections in the profile's order, saved or not."""
    by_kind = {row.section.kind: row for row in rows}
    return [SectionView(GUIDES[kind], by_kind.get(kind.value)) for kind in ProfileKind]


def validated_count(views: list[SectionView]) -> int:
    return sum(1 for view in views if view.is_validated)


@dataclass
class SentView:
    """A section as the client sees it on the validation page: only what was sent, and the
    answer. (Never ``body``: it is not even reachable from here.)"""

    id: int
    label: str
    kind: str
    shared_body: str
    validation: str
    client_correction: str
    shared_at: datetime | None  # shown with the ``when`` filter, in the reader's zone
    answered_at: datetime | None
    sender: str
    answerer: str
    answer_version: str
    typed: str | None = None  # the correction as typed (after bad input or a stale answer)
    errors: FormErrors = field(default_factory=FormErrors)
    stale: str = ""  # who changed it meanwhile
    notice: str = ""

    @classmethod
    def of(cls, row: SectionRow) -> SentView:
        section = row.section
        assert section.id is not None
        return cls(
            id=section.id,
            label=ProfileKind(section.kind).label,
            kind=section.kind,
            shared_body=section.shared_body,
            validation=section.validation,
            client_correction=section.client_correction,
            shared_at=section.shared_at,
            answered_at=section.answered_at,
            sender=name_of(row.sender),
            answerer=name_of(row.answerer),
            answer_version=answer_version(section),
        )

    @property
    def paragraphs(self) -> list[str]:
        return paragraphs(self.shared_body)

    @property
    def correction_paragraphs(self) -> list[str]:
        return paragraphs(self.client_correction)

    @property
    def is_pending(self) -> bool:
        return self.validation == Validation.PENDING

    @property
    def correction_text(self) -> str:
        """What the correction box holds: as typed, else the earlier correction, else the text
        as sent (to be edited)."""
        if self.typed is not None:
            return self.typed
        return self.client_correction or self.shared_body

    @property
    def open_correction(self) -> bool:
        return self.typed is not None
