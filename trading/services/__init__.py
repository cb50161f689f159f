"""Every write of the trading app: markets, accounts, the ledger, transfers, loans and orders."""
