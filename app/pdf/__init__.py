"""PDF of the plan: the current plan and an agreed version, laid out for reading."""
