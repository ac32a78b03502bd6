"""The joint review with the client: scheduling, calendar invitations, shared minutes."""
