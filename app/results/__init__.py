"""The account's own goals and results (internal to the vendor): yearly goals, quarterly
actuals, and the bid record of its closed opportunities."""
