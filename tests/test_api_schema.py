"""Schemathesis against the API's own OpenAPI document (/api/v1/openapi.json): generated
requests to every operation, with a vendor's read-and-write token and a client's, find no
server error and no answer that breaks the document (status codes, media types, bodies).

Kept bounded (a few examples per operation and token, derandomized so that a run is
repeatable). Half of the requests name a real account and action of the caller (otherwise
nearly every generated id would be a 404), and some of the changes carry the action's current
ETag, so that the answers of allowed changes are checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from app.config import Settings
from app.models import (
    Action,
    Initiative,
    InitiativeStatus,
    Priority,
    PriorityStatus,
    StrategyEntry,
    Visibility,
)
from app.plans import repository as plans_repo
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from tests.conftest import default_settings
from tests.factories import World
from tests.test_api import make_action, token_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 30  # per operation: about 600 requests in all, under a minute


@pytest.fixture
def settings() -> Settings:
    """No rate limit in the way: some 500 requests a token, in well under a minute."""
    return default_settings().model_copy(update={"api_requests_per_minute": 100_000})


def plausible(body: dict[str, Any]) -> dict[str, Any]:
    """A generated body the page's checks could accept: no people, priorities or dimensions
    named at random, and text a person could type (so that allowed changes are checked)."""
    kept = {
        k: v
        for k, v in body.items()
        if k not in ("owner_id", "priority_ids", "scores", "future_scores")
    }
    for name, value in kept.items():
        if isinstance(value, str) and not (value.strip() and value.isprintable()):
            kept[name] = "Fuzzed text"
        elif isinstance(value, str):
            kept[name] = value[:100]
    return kept


# One request of each change that the page's checks accept, sent besides the generated ones (so
# that the answer of an allowed change is always checked against the document): who sends it
# and its body. Generated bodies rarely pass every check at once.
ALLOWED: dict[str, tuple[str, dict[str, Any] | None]] = {
    "POST /accounts/{account_id}/initiatives": ("vendor", {"title": "A pilot"}),
    "PATCH /accounts/{account_id}/initiatives/{initiative_id}": ("vendor", {"title": "Pilot"}),
    "POST /accounts/{account_id}/initiatives/{initiative_id}/propose": ("vendor", None),
    "POST /accounts/{account_id}/initiatives/{initiative_id}/answer": (
        "client",
        {"decision": "accept"},
    ),
    "POST /accounts/{account_id}/suggestions": ("vendor", {"title": "Grow in Spain"}),
    "POST /accounts/{account_id}/suggestions/{suggestion_id}/accept": ("client", None),
    "POST /accounts/{account_id}/suggestions/{suggestion_id}/reject": (
        "client",
        {"reason": "Not this year"},
    ),
    "POST /accounts/{account_id}/ratings": ("client", {"overall": 7, "future_overall": 9}),
    "PATCH /accounts/{account_id}/actions/{action_id}": ("client", {"status": "done"}),
    "POST /accounts/{account_id}/strategy": ("client", {"kind": "driver", "text": "Costs"}),
    "PATCH /accounts/{account_id}/strategy/{entry_id}": ("client", {"text": "Costs, lower"}),
    "POST /accounts/{account_id}/threads/{target}/{item_id}/comments": (
        "client",
        {"body": "Fine by us"},
    ),
}


def send_allowed(
    operation: Any, tokens: dict[str, str], real: dict[str, int | str], etag: Callable[[str], str]
) -> int:
    """The allowed change of ``operation`` (``ALLOWED``), its answer checked: its status."""
    who, body = ALLOWED[operation.label]
    names = {name: real[name] for name in real if f"{{{name}}}" in operation.path}
    case = operation.Case(
        path_parameters=names,
        headers={"If-Match": etag(operation.path)},
        **({"body": body} if body is not None else {}),
    )
    response = case.call(headers={"Authorization": f"Bearer {tokens[who]}"})
    case.validate_response(response, checks=CHECKS)
    return int(response.status_code)


def fuzz(
    operation: Any, tokens: dict[str, str], real: dict[str, int | str], etag: Callable[[str], str]
) -> set[int]:
    """Generated requests to ``operation``, each answer checked; the statuses seen."""
    statuses: set[int] = set()

    @given(
        case=operation.as_strategy(),
        who=st.sampled_from(sorted(tokens)),
        ours=st.booleans(),
        fresh=st.booleans(),
    )
    @examples(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, who: str, ours: bool, fresh: bool) -> None:
        if ours:
            for name in case.path_parameters or {}:
                if name in real:
                    case.path_parameters[name] = real[name]
            if fresh and (
                case.method.upper() == "PATCH"
                or case.path.endswith(("/accept", "/reject", "/propose", "/answer"))
            ):
                case.headers = {**(case.headers or {}), "If-Match": etag(case.path)}
            if fresh and isinstance(case.body, dict):
                case.body = plausible(case.body)
        response = case.call(headers={"Authorization": f"Bearer {tokens[who]}"})
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
    return statuses


def test_the_api_keeps_to_its_document(app: FastAPI, session: Session, world: World) -> None:
    action = make_action(session, world)
    tokens = {
        "vendor": token_of(session, world.members["lead"]),
        "client": token_of(session, world.members["member"]),
    }
    assert world.account.id is not None
    assert action.id is not None
    # One suggestion to accept and one to reject (once answered, the next answer is a 409).
    accepted, rejected = (
        Priority(
            account_id=action.account_id,
            plan_id=action.plan_id,
            status=PriorityStatus.SUGGESTED,
            title=f"Fuzzed suggestion {n}",
            suggested_by_id=world.members["lead"].id,
        )
        for n in range(2)
    )
    draft = Initiative(account_id=action.account_id, plan_id=action.plan_id, title="Fuzzed draft")
    proposed = Initiative(
        account_id=action.account_id,
        plan_id=action.plan_id,
        title="Fuzzed proposal",
        status=InitiativeStatus.PROPOSED,
        visibility=Visibility.SHARED,
    )
    session.add_all([accepted, rejected, draft, proposed])
    session.commit()
    assert accepted.id is not None
    assert rejected.id is not None
    plan = plans_repo.current(session, account_id=world.account.id)
    assert plan is not None
    entry = strategy.create(
        session,
        actor=world.members["member"],
        plan=plan,
        values=StrategyValues("driver", "Fuzzed driver"),
    )
    session.commit()
    # Threads: the action's (its target named, as a real item of the caller's).
    real: dict[str, int | str] = {
        "account_id": world.account.id,
        "action_id": action.id,
        "entry_id": entry.id or 0,
        "target": "action",
        "item_id": action.id,
    }
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 32

    def current_etag(path: str) -> str:
        if "initiative" in path:
            one = proposed if path.endswith("/answer") else draft
            version = session.exec(select(Initiative.version).where(Initiative.id == one.id)).one()
        elif "strategy" in path:
            version = session.exec(
                select(StrategyEntry.version).where(StrategyEntry.id == entry.id)
            ).one()
        elif "suggestion" in path:
            answered = rejected if path.endswith("/reject") else accepted
            version = session.exec(select(Priority.version).where(Priority.id == answered.id)).one()
        else:
            version = session.exec(select(Action.version).where(Action.id == action.id)).one()
        return f'"v{version}"'

    for operation in operations:
        answered = rejected if operation.path.endswith("/reject") else accepted
        initiative = proposed if operation.path.endswith("/answer") else draft
        ids = real | {"suggestion_id": answered.id or 0, "initiative_id": initiative.id or 0}
        statuses = fuzz(operation, tokens, ids, current_etag)
        if operation.label in ALLOWED:
            statuses.add(send_allowed(operation, tokens, ids, current_etag))
        print(operation.label, sorted(statuses))
        assert statuses & {200, 201}, operation.label  # the allowed answers were checked too
