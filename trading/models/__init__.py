"""Markets, accounts, balances, the ledger, orders and trades.

Every change of a Balance goes through ``trading.services.ledger``; nothing else writes its four
buckets. Margin rules live in ``trading.margin`` (pure) and the services, never in ``save()``.

One module per area; everything is imported here, so ``from trading.models import Order`` stays the way in.
"""

from .accounts import BUCKET_WEIGHT, Account, AccountKind, Balance, Bucket, SystemAccount
from .book import MAX_BOOK_LEVELS, PairBook
from .fields import amount_field, ratio_field
from .interest import InterestRate
from .ledger import JournalEntry, LedgerLine, LoanEvent, Transfer
from .levels import MarginPoint
from .markets import Asset, Market, MarkPrice, Pair, PriceCandle
from .orders import OPEN_STATUSES, Order, OrderList, Trade
from .risk import FillModel, PlatformSettings, RiskProfile, RiskTier
from .tiers import IsolatedMarginTier

__all__ = [
    "BUCKET_WEIGHT",
    "OPEN_STATUSES",
    "Account",
    "AccountKind",
    "Asset",
    "Balance",
    "Bucket",
    "InterestRate",
    "IsolatedMarginTier",
    "FillModel",
    "JournalEntry",
    "MAX_BOOK_LEVELS",
    "LedgerLine",
    "LoanEvent",
    "MarginPoint",
    "MarkPrice",
    "Market",
    "Order",
    "OrderList",
    "Pair",
    "PairBook",
    "PlatformSettings",
    "PriceCandle",
    "RiskProfile",
    "RiskTier",
    "SystemAccount",
    "Trade",
    "Transfer",
    "amount_field",
    "ratio_field",
]
