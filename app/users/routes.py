"""Workspace admin: the people of the workspace, disabling and enabling logins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import DbSession
from app.kit.pages import redirect
from app.kit.words import possessive
from app.models import User
from app.permissions.guards import UserManager
from app.permissions.policy import Actor
from app.users import repository, service
from app.web.confirm import asks_first
from app.web.errors import ForbiddenError, NotFoundError
from app.web.templating import get_templates

router = APIRouter()


@router.get("/admin/users")
def list_users(request: Request, actor: UserManager, db: DbSession) -> Response:
    assert actor.user.workspace_id is not None
    users = repository.in_workspace(db, workspace_id=actor.user.workspace_id)
    return get_templates(request).render(request, "admin/users.html", {"users": users})


def _workspace_user(db: DbSession, actor: Actor, user_id: int) -> User:
    assert actor.user.workspace_id is not None
    user = repository.get_in_workspace(db, workspace_id=actor.user.workspace_id, user_id=user_id)
    if user is None:
        raise NotFoundError()
    return user


def _set_disabled(
    request: Request, actor: Actor, db: DbSession, user_id: int, disabled: bool
) -> Response:
    user = _workspace_user(db, actor, user_id)
    if user.id == actor.id:
        raise ForbiddenError("You cannot disable your own login.")
    service.set_disabled(db, actor=actor.user, user=user, disabled=disabled)
    state = "disabled and signed out everywhere" if disabled else "enabled"
    return redirect(request, "/admin/users", f"{possessive(user.display_name)} login is {state}.")


@router.post("/admin/users/{user_id}/disable")
@asks_first("Disable")
def disable(request: Request, actor: UserManager, db: DbSession, user_id: int) -> Response:
    return _set_disabled(request, actor, db, user_id, True)


@router.post("/admin/users/{user_id}/enable")
def enable(request: Request, actor: UserManager, db: DbSession, user_id: int) -> Response:
    return _set_disabled(request, actor, db, user_id, False)
