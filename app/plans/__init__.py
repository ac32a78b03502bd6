"""Account plans: one current plan per account, earlier ones kept readable."""
