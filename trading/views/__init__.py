"""The HTML pages of the web UI, and the htmx fragments that keep them live, one module per job.

Thin doors: every write is a service call whose ApplicationError lands next to the field it names; every
read of a user's data goes through the selectors (``own_account``), so another user's id is a 404. The risk
engine's records on the account page (margin calls, liquidations, the margin-level chart) come from
``risk.views``: the risk app sits above this one and this package does not import it. The user's own
pages (tokens, key pairs, notifications) are ``accounts.views``.
"""
