"""Every write of the futures floor: transfers, settings, orders and fills, margin, funding, liquidation."""
