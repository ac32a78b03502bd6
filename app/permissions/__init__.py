"""The one place that decides who may do what (DESIGN.md §2)."""
