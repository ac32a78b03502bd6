"""Whether the client wants a key-account relationship: asked of the client sponsor in the plan,
answered in the client's own words (yes, not now, no), audited; the vendor reads the answer."""
