"""The initiative form and the client's answer, checked into values or field errors; what was
typed always comes back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.kit.forms import Checked
from app.models import Initiative, InitiativeStatus
from app.web.forms import FormErrors, as_int, check_line, check_text

# The client's answers: form value -> the status it gives.
ANSWERS = {
    "accept": InitiativeStatus.ACCEPTED,
    "decline": InitiativeStatus.DECLINED,
    "park": InitiativeStatus.PARKED,
}


@dataclass(frozen=True)
class InitiativeValues:
    """A checked initiative: what the services take."""

    title: str
    description: str = ""
    value_for_client: str = ""
    value_for_vendor: str = ""
    owner_id: int | None = None  # None: nobody yet
    priority_ids: Sequence[int] = ()  # the client priorities it answers, ascending


@dataclass
class InitiativeForm:
    title: str = ""
    description: str = ""
    value_for_client: str = ""
    value_for_vendor: str = ""
    owner_id: str = ""
    priority_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, initiative: Initiative, priority_ids: list[int]) -> InitiativeForm:
        return cls(
            title=initiative.title,
            description=initiative.description,
            value_for_client=initiative.value_for_client,
            value_for_vendor=initiative.value_for_vendor,
            owner_id=str(initiative.owner_id or ""),
            priority_ids=tuple(str(p) for p in priority_ids),
        )

    def check(self, owner_ids: set[int], priority_ids: set[int]) -> Checked[InitiativeValues]:
        """The checked initiative, owned by one of ``owner_ids`` (or nobody) and answering
        some of ``priority_ids`` (the account's vendor members, the plan's ranked priorities)."""
        errors = FormErrors()
        title = check_line(self.title, errors, "title", label="a title")
        texts = {
            name: check_text(
                getattr(self, name), errors, name, label=label, required=False, max_length=limit
            )
            for name, label, limit in (
                ("description", "the description", 4000),
                ("value_for_client", "the value for the client", 2000),
                ("value_for_vendor", "the value for us", 2000),
            )
        }
        owner: int | None = None
        if self.owner_id:
            owner = as_int(self.owner_id) or -1
            if owner not in owner_ids:
                errors.add("owner_id", "Choose an owner from your team in this account.")
        linked: set[int] = set()
        for raw in self.priority_ids:
            chosen = as_int(raw) or -1
            if chosen not in priority_ids:
                errors.add("priority_ids", "Choose priorities from the client's current list.")
            linked.add(chosen)
        if errors:
            return errors
        return InitiativeValues(
            title,
            texts["description"],
            texts["value_for_client"],
            texts["value_for_vendor"],
            owner,
            tuple(sorted(linked)),
        )


@dataclass(frozen=True)
class Answer:
    """A checked answer of the client."""

    status: InitiativeStatus
    reason: str


@dataclass
class AnswerForm:
    """The client's answer to one proposed initiative."""

    decision: str = ""
    reason: str = ""
    # Which initiative it answers (the path's, not typed): the section shows the form there.
    initiative_id: int = field(default=0, init=False)

    def check(self) -> Checked[Answer]:
        errors = FormErrors()
        status = ANSWERS.get(self.decision)
        required = self.decision in ("decline", "park")
        reason = check_text(
            self.reason, errors, "reason", label="a reason", required=required, max_length=2000
        )
        if status is None:
            errors.add("decision", "Choose to accept, decline or park this initiative.")
        if required and "reason" in errors and not reason:
            word = "declining" if self.decision == "decline" else "parking"
            errors["reason"] = f"Say why you are {word} it, so the team can act on it."
        if errors or status is None:
            return errors
        return Answer(status, reason)
