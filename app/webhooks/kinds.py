"""The kinds of events an endpoint can ask for, as the form lists them.

Each kind names audited changes of an account by their item type (and, for a narrower kind,
their verbs). Changes of no account (a person's own settings, the workspace's) are never sent.
``internal_only`` kinds are about the vendor's internal workspace: only an endpoint marked
internal may ask for them, and even its shared events (what was sent to the client for
validation) stay on the vendor's side.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    item_types: frozenset[str]
    verbs: frozenset[str] | None = None  # None: every verb of the item types
    internal_only: bool = False

    def matches(self, item_type: str, verb: str) -> bool:
        return item_type in self.item_types and (self.verbs is None or verb in self.verbs)


# The order of the form; an event takes the first kind of an endpoint it matches (so the
# narrow "plan.agreed" comes before "plan.*").
KINDS: tuple[Kind, ...] = (
    Kind("plan.agreed", "The plan is agreed", frozenset({"plan"}), frozenset({"plan.agreed"})),
    Kind(
        "plan.*",
        "The plan's agreement: submitted, approved, agreed, withdrawn, a new period",
        frozenset({"plan"}),
    ),
    Kind(
        "strategy.*",
        "The client's strategy entries and the vendor's suggested ones",
        frozenset({"strategy_entry", "strategy", "strategy_suggestion"}),
    ),
    Kind("priority.*", "Priorities and the vendor's suggestions", frozenset({"priority"})),
    Kind("value.*", "Value ratings", frozenset({"value_rating"})),
    Kind(
        "key_account.*",
        "The client's answer to a key-account relationship",
        frozenset({"key_account_answer"}),
    ),
    Kind("initiative.*", "Initiatives", frozenset({"initiative"})),
    Kind("action.*", "Actions", frozenset({"action"})),
    Kind("comment.*", "Comments", frozenset({"comment"})),
    Kind(
        "joint_review.*",
        "Joint reviews and their decisions",
        frozenset({"joint_review", "review_decision"}),
    ),
    Kind("membership.*", "People joining, changing role, leaving", frozenset({"membership"})),
    Kind(
        "workspace.*",
        "The vendor's strategy workspace: scorecard, profile, stakeholders, opportunities, "
        "the account's goals and results, reviews, the team's commitment, perception, planned hours",
        frozenset(
            {
                "account_score",
                "profile_section",
                "stakeholder",
                "stakeholder_contact",
                "stakeholder_link",
                "department_tension",
                "opportunity",
                "account_goal",
                "account_actual",
                "review",
                "review_cadence",
                "mentor_request",
                "commitment",
                "planned_hours",
                "perceived_priority",
                "perceived_rating",
            }
        ),
        internal_only=True,
    ),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def kind_of(keys: list[str], item_type: str, verb: str) -> Kind | None:
    """The first of an endpoint's kinds (``keys``) that the event matches, or None."""
    for kind in KINDS:
        if kind.key in keys and kind.matches(item_type, verb):
            return kind
    return None
