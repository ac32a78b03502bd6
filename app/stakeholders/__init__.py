"""The decision-making group and relationship map (internal to the vendor): the client's people,
their buying roles, influence and attitude, who on the team knows them, drawn as an org chart
with the coverage gaps called out. Only names, titles and reporting lines, as sent, ever reach
the client, for confirmation."""
