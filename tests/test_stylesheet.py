"""The stylesheet parses: every block is closed where it should be. (An unclosed ``@media print``
block silently swallows every rule after it into print-only styles.)"""

from __future__ import annotations

import re

from app.web.templating import STATIC_DIR

COMMENT = re.compile(r"/\*.*?\*/", re.S)


def test_every_block_of_the_stylesheet_is_closed_before_the_next_part_begins() -> None:
    text = (STATIC_DIR / "app.css").read_text()
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("/* ----"):
            assert depth == 0, f"line {number}: a part begins inside an unclosed block"
        code = COMMENT.sub("", line)
        depth += code.count("{") - code.count("}")
        assert depth >= 0, f"line {number}: a block closed that was never opened"
    assert depth == 0, "a block is never closed"
