"""Agreement and versions (DESIGN.md §3.7): the lead submits the plan, the client sponsor and
the lead approve; the agreed plan is frozen as version N and later changes show as a diff."""
