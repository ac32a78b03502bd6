"""The profile's sections (what belongs in each) and its forms, checked into field errors; what
was typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import ProfileKind
from app.web.errors import NotFoundError
from app.web.forms import FormErrors, check_text

BODY_MAX = 8000


@dataclass(frozen=True)
class Guide:
    """How one section of the profile is presented."""

    kind: ProfileKind
    belongs: str  # what belongs there: the hint, and the empty state's substance
    example: str  # a prompt for the first words

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def anchor(self) -> str:
        return f"profile-{self.kind.value}"


GUIDES: dict[ProfileKind, Guide] = {
    guide.kind: guide
    for guide in (
        Guide(
            ProfileKind.GOALS,
            "Where the company wants to be and by when: its stated goals, targets and the "
            "strategy it has announced.",
            "For example: Wants 30% of revenue from services by 2028 (annual report).",
        ),
        Guide(
            ProfileKind.MARKETS,
            "The markets and customers it serves, how it positions itself there, and its "
            "share of those markets.",
            "For example: Number two in Nordic retail logistics, competing on delivery speed.",
        ),
        Guide(
            ProfileKind.TRENDS,
            "The trends of its industry that change what it needs: regulation, technology, "
            "customers, costs.",
            "For example: EU packaging rules from 2027 force a redesign of returns.",
        ),
        Guide(
            ProfileKind.COMPETITORS,
            "Its own competitors, and the vendors competing with you for its business.",
            "For example: Losing share to low-cost carriers in Germany.",
        ),
        Guide(
            ProfileKind.STRUCTURE,
            "How it is organised: divisions, sites, ownership, who decides what, recent changes.",
            "For example: Three divisions; procurement centralised in Oslo since 2025.",
        ),
        Guide(
            ProfileKind.FINANCIALS,
            "Revenue, growth, margins and cash over the last years, and what drives them.",
            "For example: Revenue 1.2bn, +4% a year; margin squeezed by fuel costs.",
        ),
        Guide(
            ProfileKind.SWOT,
            "Its strengths, weaknesses, opportunities and threats, as you see them.",
            "For example: Strengths: loyal customers. Weaknesses: old IT. Opportunities: ...",
        ),
        Guide(
            ProfileKind.VALUE_CHAIN,
            "How it creates value from supplier to customer, and where in that chain your "
            "offer adds value for it.",
            "For example: We shorten order-to-delivery in its warehouses by a day.",
        ),
    )
}


def kind_of(value: str) -> ProfileKind:
    """The section named in a path; anything else is not found."""
    try:
        return ProfileKind(value)
    except ValueError:
        raise NotFoundError() from None


@dataclass(frozen=True)
class SectionText:
    """A section's checked text ('' clears it)."""

    body: str


@dataclass
class SectionForm:
    body: str = ""

    def check(self) -> Checked[SectionText]:
        errors = FormErrors()
        body = check_text(
            self.body, errors, "body", label="the text", required=False, max_length=BODY_MAX
        )
        return errors if errors else SectionText(body)
