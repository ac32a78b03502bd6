"""The sections of the client's strategy and the entry form, checked into field errors; what
was typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import Horizon, StrategyEntry, StrategyKind, StrategySuggestion
from app.web.errors import AppError
from app.web.forms import FormErrors, check_line, check_text

TEXT_MAX = 500
DETAIL_MAX = 4000


@dataclass(frozen=True)
class Section:
    """How one kind of entry is presented: headings, labels and the empty states of each side."""

    kind: StrategyKind
    singular: str  # "goal": for "Edit goal"
    add_label: str  # the add form's summary
    intro: str
    text_label: str
    text_hint: str
    detail_label: str
    detail_hint: str
    writer_empty: str  # a client person who may write: what to do
    reader_empty: str  # a client viewer
    vendor_empty: str  # the vendor side

    @property
    def heading(self) -> str:
        return self.kind.label

    @property
    def anchor(self) -> str:
        """Where on the plan page the entries of this kind are shown."""
        return "value-advice" if self.kind is StrategyKind.ADVICE else f"strategy-{self.kind.value}"

    @property
    def has_horizon(self) -> bool:
        return self.kind is StrategyKind.GOAL


SECTIONS: dict[StrategyKind, Section] = {
    section.kind: section
    for section in (
        Section(
            kind=StrategyKind.GOAL,
            singular="goal",
            add_label="Add a goal",
            intro="Where the organisation wants to be, and by when.",
            text_label="Goal",
            text_hint="For example: Double online revenue in the Nordics.",
            detail_label="More about this goal",
            detail_hint="How it is measured, who drives it.",
            writer_empty="No goals yet. Start with the goal your leadership talks about most.",
            reader_empty="Your organisation has not described its goals yet.",
            vendor_empty="The client has not described its goals yet.",
        ),
        Section(
            kind=StrategyKind.DRIVER,
            singular="strategic driver",
            add_label="Add a strategic driver",
            intro="What pushes the strategy: markets, regulation, customers, competitors.",
            text_label="Strategic driver",
            text_hint="For example: New EU packaging rules from 2027.",
            detail_label="More about this driver",
            detail_hint="",
            writer_empty="No strategic drivers yet. What forces your organisation to change?",
            reader_empty="Your organisation has not described its strategic drivers yet.",
            vendor_empty="The client has not described its strategic drivers yet.",
        ),
        Section(
            kind=StrategyKind.FOCUS,
            singular="focus of top management",
            add_label="Add what top management is focused on",
            intro="What top management is focused on, and how that lands on the departments "
            "the vendor works with.",
            text_label="What top management is focused on",
            text_hint="For example: Cash flow before growth this year.",
            detail_label="How this lands on the departments we work with",
            detail_hint="For example: Procurement must cut supplier count by a third.",
            writer_empty="Nothing yet. What is top management focused on, and what does it "
            "mean for the departments that work with the vendor?",
            reader_empty="Your organisation has not described what top management is "
            "focused on yet.",
            vendor_empty="The client has not described what top management is focused on yet.",
        ),
        Section(
            kind=StrategyKind.CHALLENGE,
            singular="challenge",
            add_label="Add a challenge",
            intro="What stands in the way.",
            text_label="Challenge",
            text_hint="For example: Too few data engineers to run two migrations at once.",
            detail_label="More about this challenge",
            detail_hint="",
            writer_empty="No challenges yet. What makes your goals hard to reach?",
            reader_empty="Your organisation has not described its challenges yet.",
            vendor_empty="The client has not described its challenges yet.",
        ),
        Section(
            kind=StrategyKind.SUCCESS,
            singular="picture of success",
            add_label="Add what success looks like",
            intro="How the client will know the plan worked.",
            text_label="What success looks like",
            text_hint="For example: Orders ship within 48 hours everywhere in Europe.",
            detail_label="How you will measure it",
            detail_hint="",
            writer_empty="Nothing yet. Describe what success looks like for your organisation "
            "at the end of this plan.",
            reader_empty="Your organisation has not described what success looks like yet.",
            vendor_empty="The client has not described what success looks like yet.",
        ),
        Section(
            kind=StrategyKind.ADVICE,
            singular="piece of advice",
            add_label="Add what the vendor needs to do",
            intro="The client's own words to the vendor's team.",
            text_label="What the vendor needs to do",
            text_hint="For example: Bring us ideas before we ask for them.",
            detail_label="More about this",
            detail_hint="",
            writer_empty="Nothing yet. Tell the vendor's team, in your own words, what it takes "
            "to succeed with you.",
            reader_empty="Your organisation has not said yet what the vendor needs to do to "
            "succeed with it.",
            vendor_empty="The client has not said yet what you need to do to succeed with them.",
        ),
    )
}

# The five sections of the strategy panel, in reading order; advice is shown with the value.
STRATEGY_KINDS = (
    StrategyKind.GOAL,
    StrategyKind.DRIVER,
    StrategyKind.FOCUS,
    StrategyKind.CHALLENGE,
    StrategyKind.SUCCESS,
)


def section_of(kind: str) -> Section:
    """The section of a kind sent by a form; anything else is a bad request (never a 500)."""
    try:
        return SECTIONS[StrategyKind(kind)]
    except ValueError:
        raise AppError("Choose a section of the strategy to add to.") from None


@dataclass(frozen=True)
class StrategyValues:
    """A checked entry: what the services take."""

    kind: str
    text: str
    detail: str = ""
    horizon: str | None = None  # goals only


@dataclass
class StrategyForm:
    kind: str = ""
    text: str = ""
    detail: str = ""
    horizon: str = ""

    @classmethod
    def of(cls, entry: StrategyEntry | StrategySuggestion) -> StrategyForm:
        return cls(
            kind=entry.kind, text=entry.text, detail=entry.detail, horizon=entry.horizon or ""
        )

    def check(self, section: Section) -> Checked[StrategyValues]:
        """The checked entry of ``section``; its horizon is None for every kind but goals."""
        errors = FormErrors()
        text = check_line(
            self.text, errors, "text", label=f"the {section.singular}", max_length=TEXT_MAX
        )
        detail = check_text(
            self.detail,
            errors,
            "detail",
            label="the details",
            required=False,
            max_length=DETAIL_MAX,
        )
        if section.has_horizon and self.horizon not in {h.value for h in Horizon}:
            errors.add("horizon", "Choose by when this goal should be reached.")
        if errors:
            return errors
        horizon = self.horizon if section.has_horizon else None
        return StrategyValues(section.kind.value, text, detail, horizon)


def check_reason(value: str, errors: FormErrors, section: Section) -> str:
    """The client's reason for rejecting a suggested entry: required, so the vendor learns
    why."""
    return check_text(
        value,
        errors,
        "reason",
        label=f"why this is not one of your {section.heading.lower()}",
        max_length=2000,
    )
