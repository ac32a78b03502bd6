"""Inviting people to an account by e-mail, and accepting those invitations."""
