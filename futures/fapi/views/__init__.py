"""The /fapi views, thin doors: ``market`` (public data), ``account`` (wallet, positions, settings),
``trade`` (orders and trades) and ``transfer`` (spot <-> USDⓈ-M)."""
