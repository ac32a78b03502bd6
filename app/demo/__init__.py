"""The demo: two vendor workspaces, a client, one person per role, and the joint plan of Harbor
Logistics told as a story a newcomer understands at once, next to Brightwell's other accounts
and its internal strategy workspace.

The story is data: TOML files under ``story/`` (``people``: workspaces, who signs in, the
accounts outside the portfolio; ``previous`` and ``harbor``: Harbor's two periods;
``joint_reviews``; ``portfolio``: the other accounts; ``workspace``: scorecard, profile, people
map, opportunities, reviews), read and checked into the dataclasses of ``entries`` by ``read``.
The ``play_`` modules walk that data and make everything through the services, one loop per
kind of thing, so the demo's audit trail, notifications and mail are those of real use;
``load`` runs them in order. ``jointplan demo`` loads it once and prints the sign-ins.
"""

from app.demo.load import PASSWORD, PEOPLE, already_loaded, load, sign_in_text

__all__ = ["PASSWORD", "PEOPLE", "already_loaded", "load", "sign_in_text"]
