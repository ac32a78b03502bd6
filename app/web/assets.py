"""The static files' addresses: each is served under a hash of its content, so a page names
the file it was written for and the browser may keep it for good."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"


@functools.cache
def static_versions() -> dict[str, str]:
    """A content hash per static file, so URLs change when the file does and can be cached
    (read once per process: the files do not change under a running server)."""
    return {
        str(path.relative_to(STATIC_DIR)): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC_DIR.rglob("*")
        if path.is_file()
    }
