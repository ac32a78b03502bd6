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

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from app.models import Action, Priority, PriorityStatus
from tests.factories import World
from tests.test_api import make_action, token_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 30  # per operation: about 600 requests in all, under a minute


def fuzz(
    operation: Any, tokens: dict[str, str], real: dict[str, int], etag: Callable[[str], str]
) -> set[int]:
    """Generated requests to ``operation``, each answer checked; the statuses seen."""
    statuses: set[int] = set()

    @given(
        case=operation.as_strategy(),
        who=st.sampled_from(sorted(tokens)),
        ours=st.booleans(),
        fresh=st.booleans(),
    )
    @settings(
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
                case.method.upper() == "PATCH" or case.path.endswith(("/accept", "/reject"))
            ):
                case.headers = {**(case.headers or {}), "If-Match": etag(case.path)}
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
    session.add_all([accepted, rejected])
    session.commit()
    assert accepted.id is not None
    assert rejected.id is not None
    real = {"account_id": world.account.id, "action_id": action.id}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 24

    def current_etag(path: str) -> str:
        if "suggestion" in path:
            answered = rejected if path.endswith("/reject") else accepted
            version = session.exec(select(Priority.version).where(Priority.id == answered.id)).one()
        else:
            version = session.exec(select(Action.version).where(Action.id == action.id)).one()
        return f'"v{version}"'

    for operation in operations:
        answered = rejected if operation.path.endswith("/reject") else accepted
        ids = real | {"suggestion_id": answered.id or 0}
        statuses = fuzz(operation, tokens, ids, current_etag)
        print(operation.label, sorted(statuses))
        assert statuses & {200, 201}, operation.label  # the allowed answers were checked too
