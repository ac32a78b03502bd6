"""The portfolio dashboard (DESIGN.md §4.5): every account a vendor person may see, with the
figures of its current plan, sortable and filterable, and the scorecard quadrant."""
