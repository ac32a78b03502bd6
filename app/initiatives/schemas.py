"""The initiative form and the client's answer, checked into values or field errors; what was
typed always comes back."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Initiative, InitiativeStatus
from app.web.forms import FormErrors, as_int, check_line, check_text

# The client's answers: form value -> the status it gives.
ANSWERS = {
    "accept": InitiativeStatus.ACCEPTED,
    "decline": InitiativeStatus.DECLINED,
    "park": InitiativeStatus.PARKED,
}


@dataclass
class InitiativeForm:
    title: str = ""
    description: str = ""
    value_for_client: str = ""
    value_for_vendor: str = ""
    owner_id: str = ""
    priority_ids: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, initiative: Initiative, priority_ids: list[int]) -> InitiativeForm:
        return cls(
            title=initiative.title,
            description=initiative.description,
            value_for_client=initiative.value_for_client,
            value_for_vendor=initiative.value_for_vendor,
            owner_id=str(initiative.owner_id or ""),
            priority_ids=[str(p) for p in priority_ids],
        )

    def check(
        self, owner_ids: set[int], priority_ids: set[int]
    ) -> tuple[FormErrors, int | None, list[int]]:
        """Errors, the owner's id (None: nobody yet) and the linked priorities' ids, checked
        against the account's vendor members and the plan's ranked priorities."""
        errors = FormErrors()
        self.title = check_line(self.title, errors, "title", label="a title")
        for name, label, limit in (
            ("description", "the description", 4000),
            ("value_for_client", "the value for the client", 2000),
            ("value_for_vendor", "the value for us", 2000),
        ):
            value = check_text(
                getattr(self, name), errors, name, label=label, required=False, max_length=limit
            )
            setattr(self, name, value)
        owner: int | None = None
        if self.owner_id:
            owner = as_int(self.owner_id) or -1
            if owner not in owner_ids:
                errors.add("owner_id", "Choose an owner from your team in this account.")
        linked: list[int] = []
        for raw in self.priority_ids:
            chosen = as_int(raw) or -1
            if chosen not in priority_ids:
                errors.add("priority_ids", "Choose priorities from the client's current list.")
            elif chosen not in linked:
                linked.append(chosen)
        return errors, owner, sorted(linked)


@dataclass
class AnswerForm:
    """The client's answer to one proposed initiative."""

    initiative_id: int
    decision: str = ""
    reason: str = ""

    def check(self) -> tuple[FormErrors, InitiativeStatus | None]:
        errors = FormErrors()
        status = ANSWERS.get(self.decision)
        required = self.decision in ("decline", "park")
        self.reason = check_text(
            self.reason, errors, "reason", label="a reason", required=required, max_length=2000
        )
        if status is None:
            errors.add("decision", "Choose to accept, decline or park this initiative.")
        if required and "reason" in errors and not self.reason:
            word = "declining" if self.decision == "decline" else "parking"
            errors["reason"] = f"Say why you are {word} it, so the team can act on it."
        return errors, status
