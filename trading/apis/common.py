"""What the /api/v1 modules share: the OpenAPI tags."""

AUTH, MARKET, ACCOUNTS, MONEY, ORDERS, ADMIN = (
    "auth",
    "market data",
    "accounts",
    "transfers and loans",
    "orders",
    "admin",
)
