"""Plan periods: the lead starts the plan's next period, carrying open items over by choice;
the closed period stays, read-only, for both sides (DESIGN.md §3.8)."""
