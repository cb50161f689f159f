"""Binance's paths, over MarginLab's services: thin doors, as ``trading/apis/`` is for /api/v1.

Each view reads Binance's parameters (``params``), picks the account Binance would (``selectors``), calls
the same service the web page and /api/v1 call, and answers with Binance's field names (``formats``).
Weights are Binance's published ones: ``weight`` counts per address, ``uid_weight`` per user. One module
per area: ``market`` (public data), ``accounts`` (wallets and margin accounts), ``orders``, ``wallet``
(loans and transfers); ``base`` holds what they share.
"""
