"""Notifications: a person's in-app inbox, with a copy by e-mail through the outbox."""
