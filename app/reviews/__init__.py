"""Plan reviews (DESIGN.md §3.8): cadence, the review record, the mentor's sign-off and queue."""
