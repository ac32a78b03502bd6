"""Forgetting what is of no use any more: spent idempotency keys, old webhook deliveries, spent
API rate windows and expired import drafts (``service.run``: daily by the scheduler and on
demand by ``jointplan purge``)."""
