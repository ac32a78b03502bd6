"""The plan page is made of sections; each domain package contributes what its section needs.

A section loader takes the checked account and the current plan and returns template context.
The plan page and every partial of it render from the same context, so the query budget
(DESIGN.md §7: ≤ 10 per page, whatever the plan's size) is the sum over the loaders (``app.plans.page.LOADERS``, the one list of them): each
loader runs a fixed number of queries (one, as a rule) and never one per item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.models import Plan
from app.permissions.policy import AccountAccess, Actor

SectionLoader = Callable[[Session, Actor, AccountAccess, Plan], dict[str, Any]]
