"""Is the app alive, and can it serve: ``/healthz``, ``/readyz``, and the schema check pages
go through."""
