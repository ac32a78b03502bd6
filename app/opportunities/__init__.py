"""Opportunity targeting (internal to the vendor): opportunities scored by return on time
invested, classed A/B/C, and linked to the client priorities they answer."""
