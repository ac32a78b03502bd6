"""Harbor's reviews with the client, as the story tells them: the last quarterly review, held a
month ago and closed (its minutes: decisions, a new action, Sam's rating given in the meeting,
Harbor's priorities confirmed), and the next one, scheduled for when the cadence says it is due.
Played by ``play_joint_reviews``."""

from __future__ import annotations

HELD_DAYS_AGO = 30  # the same meeting as the internal record of a month ago
ZONE = "Europe/London"
AT_HOUR = 10
DURATION = 90
RUN_BY = "lead"  # schedules, closes
# Who is invited: both sides of the account.
ATTENDEES = ("lead", "team", "sponsor", "member")

# The minutes of the review held a month ago: (who recorded it, the decision).
DECISIONS = (
    ("sponsor", "Harbor's ranking stands: cost first, then visibility and driver turnover."),
    ("lead", "Both sides go through the dispatch pilot's figures once a month."),
)
# A new action recorded in the meeting: (who added it, what, for what outcome, owner, due in days).
ACTION = (
    "member",
    "Share the pilot depots' driver-turnover figures",
    "Brightwell sees whether the pilot helps drivers stay, depot by depot.",
    "member",
    14,
)
# Sam's rating in the meeting: overall, one score per dimension, comment.
RATING = (7, (7, 8, 8, 6, 6), "Steady. The pilot delivers; now show it on driver turnover.")
RATED_BY = "sponsor"

# The next review, in days from now (the cadence after the one held), and its hour.
NEXT_IN_DAYS = 60
