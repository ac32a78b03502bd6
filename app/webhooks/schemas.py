"""The endpoint form, checked into values or field errors (what was typed always comes back)."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit.forms import Checked
from app.models import WebhookEndpoint
from app.web.forms import FormErrors, check_line
from app.webhooks import addresses
from app.webhooks.kinds import BY_KEY, KINDS

MAX_DESCRIPTION = 200


@dataclass(frozen=True)
class EndpointValues:
    """A checked endpoint: what the services take."""

    url: str
    description: str
    kinds: list[str]  # in the form's order
    internal: bool
    active: bool


@dataclass
class EndpointForm:
    """One endpoint, as typed (check boxes send ``kinds`` several times)."""

    url: str = ""
    description: str = ""
    kinds: tuple[str, ...] = ()
    internal: str = ""
    active: str = "yes"

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointForm:
        return cls(
            endpoint.url,
            endpoint.description,
            tuple(endpoint.kinds),
            "yes" if endpoint.internal else "",
            "yes" if endpoint.active else "",
        )

    def check(self, *, allow_local: bool, may_mark_internal: bool) -> Checked[EndpointValues]:
        """``may_mark_internal``: the person is a vendor's workspace admin (only they may let
        an endpoint receive internal events)."""
        errors = FormErrors()
        url = self.url.strip()
        if not url:
            errors.add("url", "Enter the address Jointplan should send events to.")
        else:
            try:
                addresses.check_form(url, allow_local=allow_local)
            except addresses.AddressRefused as refused:
                errors.add("url", refused.message)
        description = check_line(
            self.description,
            errors,
            "description",
            label="what it is for",
            required=False,
            max_length=MAX_DESCRIPTION,
        )
        internal = self.internal == "yes"
        if internal and not may_mark_internal:
            errors.add("internal", "Only an admin of the vendor's workspace may mark it internal.")
        chosen = set(self.kinds)
        if not chosen:
            errors.add("kinds", "Choose at least one kind of event.")
        elif not chosen <= set(BY_KEY):
            errors.add("kinds", "Choose kinds of events from the list.")
        elif not internal and any(BY_KEY[key].internal_only for key in chosen):
            errors.add(
                "kinds",
                "The vendor's strategy workspace is internal: mark the endpoint internal to "
                "receive its events.",
            )
        if errors:
            return errors
        kinds = [kind.key for kind in KINDS if kind.key in chosen]
        return EndpointValues(url, description, kinds, internal, self.active == "yes")
