"""``/favicon.ico``: what browsers and other tools ask for when a page names no icon (pages name
``/static/favicon.svg`` in their head, cached like every static file). Public and tiny."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.web.assets import STATIC_DIR

public = APIRouter()


@public.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon")
