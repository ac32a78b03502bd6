"""Workspace settings, changed by its admins: the dimensions clients rate the relationship on."""
