"""Forgetting what is of no use any more: spent idempotency keys, old webhook deliveries, spent
API rate windows, expired import drafts and old API token uses (``service.run``: daily by the
scheduler and on demand by ``jointplan purge``)."""
