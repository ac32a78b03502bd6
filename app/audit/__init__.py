"""The tamper-evident audit trail: every change, hash-chained per account."""
