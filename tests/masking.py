"""Pages carry the CSRF token masked afresh in every response (``app.web.security``), so two
answers that must be byte-identical (a refused id and a missing one) are compared with each
token unmasked: what they carry must still be the same, only its mask differs."""

from __future__ import annotations

import re

from app.web.security import unmask_token

MASKED = re.compile(r'(name="csrf-token" content="|name="csrf_token" value=")([^"]*)"')


def unmasked(text: str) -> str:
    """``text`` with every rendered CSRF token replaced by the token it masks."""
    return MASKED.sub(lambda m: f'{m.group(1)}{unmask_token(m.group(2))}"', text)
