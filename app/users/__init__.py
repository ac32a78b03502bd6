"""People: creating users, their passwords, disabling them."""
