"""The account profile (internal to the vendor): eight sections of what the team knows about
the client; the lead sends sections to the client for validation."""
