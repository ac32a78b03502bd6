"""``make test`` runs the browser tests as one pytest-xdist group: one worker, one Chromium, the
package's fixtures built once (``pytest_collection_modifyitems`` in this folder's conftest)."""

from __future__ import annotations

import pytest


def test_this_folder_runs_as_one_xdist_group(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("loadgroup", default=False):
        pytest.skip("only under pytest-xdist's `--dist loadgroup`, as `make test` runs")
    # pytest-xdist marks a grouped test by its node id; a pytest that it cannot mark (9.2 with
    # pytest-xdist 3.8) spreads the group over every worker without a word.
    assert request.node.nodeid.endswith("@browser"), request.node.nodeid
