"""The plan page's event stream and who else has the page open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor, background
from app.db import DbSession
from app.kit.pages import Fragment, render
from app.live import repository
from app.live.broker import Broker
from app.live.stream import PAGE, SlotResponse, Stream, Watcher
from app.models import utcnow
from app.permissions.guards import PlanReader

router = APIRouter()

RETRY_AFTER_SECONDS = 10


def get_broker(request: Request) -> Broker:
    broker: Broker = request.app.state.live
    return broker


@router.get("/accounts/{account_id}/events")
@background
async def events(
    request: Request,
    actor: CurrentActor,
    access: PlanReader,
    last_event_id: Annotated[str | None, Header()] = None,
    after: str | None = None,
) -> Response:
    """The plan page's live events (``text/event-stream``); holds no database connection.

    The page connects with ``after``, the last event id it was rendered with (or, connecting
    again after a refusal or a closed stream, the last one it received), so what was committed
    meanwhile is replayed; the browser's own ``Last-Event-ID`` is newer still and wins."""
    broker = get_broker(request)
    watcher = Watcher(
        token=request.state.session_token,
        user_id=actor.id,
        account_id=access.account_id,
        vendor=access.is_vendor,
    )
    if not broker.try_open():
        return Response(
            "Too many live pages are open on this server; the page retries by itself.",
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
            media_type="text/plain",
        )
    # From here the slot is the answer's: it gives it back however it ends.
    return SlotResponse(
        broker,
        Stream(broker, watcher, last_event_id or after).body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/accounts/{account_id}/presence")
@background
def presence(request: Request, actor: CurrentActor, access: PlanReader, db: DbSession) -> Response:
    """Who else has the plan page open now (a fragment of the plan page)."""
    broker = get_broker(request)
    names = repository.present(
        db,
        account_id=access.account_id,
        page=PAGE,
        since=utcnow() - broker.presence_ttl,
        but=actor.id,
    )
    return render(request, Fragment("live/_presence.html"), {"present": names, "access": access})
