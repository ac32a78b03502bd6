"""The client's ranked priorities (client-owned: only client people write them)."""
