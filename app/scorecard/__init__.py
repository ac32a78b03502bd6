"""The strategic account scorecard (internal to the vendor): the workspace's attributes in two
halves, current performance and future potential and fit, and each account's scorings."""
