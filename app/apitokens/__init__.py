"""Personal access tokens for the JSON API (``app.api``): made and revoked on ``/me``."""
