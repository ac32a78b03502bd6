"""The suite's own plumbing: shared fixtures are shared."""

from __future__ import annotations

import pytest


def test_each_session_fixture_is_defined_once(request: pytest.FixtureRequest) -> None:
    """A session fixture imported into a second test module is a second fixture: it is set up
    again, and a database it names per process replaces the first one's under its open
    connection (which then fails at the end of the run). Define such fixtures once, in
    tests/conftest.py."""
    definitions = request.session._fixturemanager._arg2fixturedefs
    twice = {
        name: [d.baseid or "(plugin)" for d in defs]
        for name, defs in definitions.items()
        if sum(d.scope == "session" for d in defs) > 1
    }
    assert "matrix" in definitions  # collected with the suite: the check sees the test modules
    assert not twice, f"session fixtures defined more than once: {twice}"
