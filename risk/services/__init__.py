"""The risk engine's writes (``shared/spec/margin-rules.md``), one module per job.

- ``leases``: named leases, so one tick and one sweep of each chunk run at a time;
- ``sweep``: the set-based sweep over all accounts, a chunk or the exposed ones, and its margin calls;
- ``liquidation``: one account's liquidation, all or nothing under its lock;
- ``tick``: beat's heartbeat (prices, matching, the sweep of the exposed accounts);
- ``state``: the per-account risk state and its snapshots, built and written in one place;
- ``notifications``: what the owners are told (in-app and e-mail, after commit).
"""
