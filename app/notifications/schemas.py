"""The preferences form: one radio group per kind of notice, named by the kind."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from app.kit.forms import Checked
from app.models import Delivery
from app.notifications.preferences import Kind
from app.web.forms import FormErrors


@dataclass(frozen=True)
class PreferencesForm:
    """What was chosen, kind -> the posted value (as sent; checked by ``check``)."""

    chosen: dict[str, str] = field(default_factory=dict)

    def check(self, kinds: list[Kind]) -> Checked[dict[str, Delivery]]:
        errors = FormErrors()
        wanted: dict[str, Delivery] = {}
        for kind in kinds:
            value = self.chosen.get(kind.name, "")
            allowed = {d.value for d in kind.choices}
            if value not in allowed:
                errors.add(kind.name, "Choose one of the options.")
                continue
            wanted[kind.name] = Delivery(value)
        return errors if errors else wanted


async def read_preferences(request: Request) -> PreferencesForm:
    """The form's radio groups, by kind name (unknown names are ignored by ``check``)."""
    data = await request.form()
    return PreferencesForm({k: v for k, v in data.items() if isinstance(v, str)})
