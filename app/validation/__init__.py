"""The client's validation page: what the vendor sent for the client to confirm or correct
(profile sections; stakeholder facts join it), and the client's answers."""
