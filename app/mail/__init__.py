"""E-mail through the outbox: written in the transaction that causes it, sent after commit."""
