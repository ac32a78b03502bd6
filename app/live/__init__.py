"""Live updates: what changed in an account's plan, told to the pages that have it open.

``events`` turns an audited change into a durable event (called by ``app.audit.service.record``,
in the change's transaction); ``broker`` carries events to this instance's open streams (through
PostgreSQL ``LISTEN/NOTIFY`` across instances, in process on SQLite); ``stream`` is one
``text/event-stream`` answer; ``presence`` who has a page open.
"""
