"""A rule of the code that a reader relies on, checked on the source (issue 10): no function in
``app/`` is longer than 60 lines (the demo's story is data, not long functions)."""

from __future__ import annotations

import ast
from pathlib import Path

from app.web.templating import ROOT

LONGEST = 60


def functions(root: Path) -> dict[str, int]:
    """Every function under ``root``, by place, with its length in lines."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                place = f"{path.relative_to(root.parent)}:{node.lineno} {node.name}"
                found[place] = node.end_lineno - node.lineno + 1
    return found


def test_no_function_in_the_app_is_longer_than_60_lines() -> None:
    found = functions(ROOT / "app")
    assert len(found) > 500  # the walk really read the app
    assert {place: lines for place, lines in found.items() if lines > LONGEST} == {}


def test_a_function_of_61_lines_is_seen(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(LONGEST))
    (package / "m.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n")
    assert functions(package) == {"pkg/m.py:1 short": 2, "pkg/m.py:5 long": 61}
