"""Reminders and digests: the scheduler every instance runs, the jobs it runs exactly once
across instances, and what they tell each person at 08:00 where that person lives."""
