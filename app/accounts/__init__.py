"""Accounts (workspace x client organisation) and the people who are members of them."""
