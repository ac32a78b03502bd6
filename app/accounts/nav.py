"""The account navigation every account page shows in the same place (``partials/account_nav.html``).

Which tabs a person gets is asked of the permission policy with the verb each page's guard
checks, so the navigation can never offer a page the route would refuse: the shared pages (the
joint plan, its reviews with the client, the account and its members) for everyone on the
account; the vendor's internal pages as their own group, marked internal, which the client side
never gets (``INSIGHT_VIEW``, ``RESULTS_VIEW`` and ``PERCEPTION_VIEW`` are vendor verbs). It asks no query.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.permissions.policy import AccountAccess, Actor, Verb, may


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class AccountNav:
    account_name: str
    shared: tuple[Tab, ...]
    internal: tuple[Tab, ...]  # empty for the client side


# (key, label, path under /accounts/N, the verb the page's guard checks)
SHARED = (
    ("plan", "Joint plan", "/plan", Verb.PLAN_VIEW),
    ("joint-reviews", "Joint reviews", "/joint-reviews", Verb.PLAN_VIEW),
    ("account", "Account and members", "", Verb.ACCOUNT_VIEW),
)
INTERNAL = (
    ("scorecard", "Scorecard", "/scorecard", Verb.INSIGHT_VIEW),
    ("profile", "Profile", "/profile", Verb.INSIGHT_VIEW),
    ("relationships", "Relationship map", "/relationships", Verb.INSIGHT_VIEW),
    ("opportunities", "Opportunities", "/opportunities", Verb.INSIGHT_VIEW),
    ("results", "Results", "/results", Verb.RESULTS_VIEW),
    ("reviews", "Reviews", "/reviews", Verb.INSIGHT_VIEW),
    ("perception", "Perception gap", "/perception", Verb.PERCEPTION_VIEW),
)
KEYS = frozenset(key for key, *_ in SHARED + INTERNAL)


def account_nav(actor: Actor, access: AccountAccess, current: str) -> AccountNav:
    """The tabs ``actor`` may open on ``access``'s account; ``current`` is the page shown (a key
    of ``KEYS``, or '' for none)."""
    if current and current not in KEYS:
        raise ValueError(f"Unknown account page {current!r}")
    base = f"/accounts/{access.account_id}"

    def tabs(rows: tuple[tuple[str, str, str, Verb], ...]) -> tuple[Tab, ...]:
        return tuple(
            Tab(key, label, base + path, key == current)
            for key, label, path, verb in rows
            if may(actor, access, verb)
        )

    return AccountNav(access.account.name, tabs(SHARED), tabs(INTERNAL))
