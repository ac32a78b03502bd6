"""A stored file as a download that the browser never shows, sniffs or runs: the one answer
of an item's file and of an agreed version's file."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import StreamingResponse

from app.attachments.storage import BlobStore

# The download's own headers: never shown in the browser, never sniffed, never scripted.
SANDBOX = "sandbox; default-src 'none'"


def disposition(file_name: str) -> str:
    """``attachment`` with the name in UTF-8 (RFC 6266) and a plain ASCII fallback."""
    fallback = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def streamed(
    store: BlobStore, *, sha256: str, file_name: str, content_type: str, size: int
) -> StreamingResponse:
    """The blob's bytes, streamed, with the sandbox headers."""
    headers = {
        "content-disposition": disposition(file_name),
        "x-content-type-options": "nosniff",
        "content-security-policy": SANDBOX,
        "content-length": str(size),
    }
    return StreamingResponse(store.chunks(sha256), media_type=content_type, headers=headers)
