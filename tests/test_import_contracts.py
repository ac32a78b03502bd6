"""The import contracts of pyproject.toml (run by ``make lint``) catch what they are there for:
a copy of the app with one forbidden import added fails them, naming the broken contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(copy: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(copy)}  # the copy's ``app`` before the installed one
    return subprocess.run(  # noqa: S603 (the venv's own lint-imports, fixed arguments)
        [str(LINT_IMPORTS), "--no-cache", "--config", str(copy / "pyproject.toml")],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def _add_import(copy: Path, module: str, line: str) -> None:
    path = copy / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}  # noqa: F401\n")


def test_the_app_as_it_is_keeps_every_contract(copy: Path) -> None:
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_module_importing_a_routes_module_breaks_the_leaves_contract(copy: Path) -> None:
    _add_import(copy, "app.plans.page", "from app.priorities import routes")
    result = _lint(copy)
    assert result.returncode == 1
    assert "routes modules are leaves: only app.main imports them BROKEN" in result.stdout
    assert "app.plans.page -> app.priorities.routes" in result.stdout


def test_the_foundation_importing_the_joint_plan_breaks_the_layers(copy: Path) -> None:
    _add_import(copy, "app.accounts.service", "from app.priorities import service as _p")
    result = _lint(copy)
    assert result.returncode == 1
    assert "foundation -> joint plan -> vendor workspace BROKEN" in result.stdout
    assert "app.accounts.service -> app.priorities.service" in result.stdout


def test_the_joint_plan_importing_the_vendor_workspace_breaks_the_layers(copy: Path) -> None:
    _add_import(copy, "app.priorities.service", "from app.scorecard import service as _s")
    result = _lint(copy)
    assert result.returncode == 1
    assert "foundation -> joint plan -> vendor workspace BROKEN" in result.stdout
