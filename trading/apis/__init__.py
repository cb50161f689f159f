"""REST doors of the trading app: sign-up, market data, accounts, positions, transfers, loans, orders,
trades, the ledger, and the staff's settings.

Thin doors (HackSoft style): an InputSerializer checks the shape of the input, a service does every
write and owns its rules, a selector does every read, an OutputSerializer shapes the answer. Another
user's object is never told apart from a missing one: both are 404.
"""

from trading.apis.accounts import (
    AccountDetailApi,
    AccountListApi,
    AccountPositionListApi,
    AccountResetApi,
    IsolatedAccountCreateApi,
    MaxBorrowableApi,
    MaxRepayableApi,
    MaxTransferableApi,
    PositionListApi,
)
from trading.apis.book import DepthApi
from trading.apis.market import (
    AssetListApi,
    InterestRateListApi,
    MarketListApi,
    PriceHistoryApi,
    PriceListApi,
    RegisterApi,
)
from trading.apis.money import (
    LoanApi,
    RepaymentApi,
    TransferApi,
)
from trading.apis.orders import (
    LedgerApi,
    OrderApi,
    OrderDetailApi,
    OrderPreviewApi,
    TradeListApi,
)
from trading.apis.staff import (
    AssetAdminApi,
    PlatformSettingsApi,
)

__all__ = [
    "AccountDetailApi",
    "AccountListApi",
    "AccountPositionListApi",
    "AccountResetApi",
    "AssetAdminApi",
    "AssetListApi",
    "InterestRateListApi",
    "DepthApi",
    "IsolatedAccountCreateApi",
    "LedgerApi",
    "LoanApi",
    "MarketListApi",
    "MaxBorrowableApi",
    "MaxRepayableApi",
    "MaxTransferableApi",
    "OrderApi",
    "OrderDetailApi",
    "OrderPreviewApi",
    "PlatformSettingsApi",
    "PositionListApi",
    "PriceHistoryApi",
    "PriceListApi",
    "RegisterApi",
    "RepaymentApi",
    "TradeListApi",
    "TransferApi",
]
