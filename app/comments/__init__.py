"""Comment threads on the plan's items, with @mentions and team-only (internal) comments."""
