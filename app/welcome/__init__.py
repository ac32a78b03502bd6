"""The first visit's short path (DESIGN.md §3.10): a client contributor who accepts an
invitation states their top priorities, then how valuable the relationship is to them, then
reads the plan. Two screens, skippable, resumable from the plan until finished or skipped."""
