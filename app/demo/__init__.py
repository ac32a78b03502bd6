"""The demo: two vendor workspaces, a client, one person per role, and the joint plan of Harbor
Logistics told as a story a newcomer understands at once, next to Brightwell's other accounts
and its internal strategy workspace.

The story is data: ``people`` (workspaces, who signs in, the accounts they open), ``harbor`` (the
joint plan), ``portfolio`` (the other accounts) and ``workspace`` (scorecard, profile, people
map, opportunities, reviews). The ``play_`` modules walk that data and make everything through
the services, so the demo's audit trail, notifications and mail are those of real use;
``load`` runs them in order. ``jointplan demo`` loads it once and prints the sign-ins.
"""

from app.demo.load import already_loaded, load, sign_in_text
from app.demo.people import PASSWORD, PEOPLE

__all__ = ["PASSWORD", "PEOPLE", "already_loaded", "load", "sign_in_text"]
