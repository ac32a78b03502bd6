"""The value the client perceives in the relationship (client-owned): ratings 0 to 10 overall and
per dimension, kept as a history and shown as the latest rating and a trend."""
