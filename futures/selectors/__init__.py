"""Reads of the futures floor: symbols with brackets and marks, a user's wallet, positions and their risk.

One module per job (market, valuation, nearest); every name is here, so ``from futures import selectors``
stays the way in.
"""

from .book import SymbolBook, book_params, book_side, symbol_books
from .market import (
    DEFAULT_LEVERAGE,
    QUOTE,
    SymbolInfo,
    _priced,
    contract_prices,
    mark_of,
    market_for_user,
    market_get,
    order_get_for_user,
    setting_get,
    symbol_get,
    wallet_get_for_user,
    wallet_require,
)
from .nearest import NEAREST_SQL, POSITIONS_SQL, positions_nearest_liquidation
from .valuation import (
    AccountState,
    PositionRisk,
    _liquidation_prices,
    account_state,
    open_order_margin,
    position_risk,
    state_for_user,
)

__all__ = [
    "AccountState",
    "DEFAULT_LEVERAGE",
    "NEAREST_SQL",
    "POSITIONS_SQL",
    "PositionRisk",
    "QUOTE",
    "SymbolBook",
    "SymbolInfo",
    "_liquidation_prices",
    "_priced",
    "account_state",
    "book_params",
    "book_side",
    "contract_prices",
    "mark_of",
    "market_for_user",
    "market_get",
    "open_order_margin",
    "order_get_for_user",
    "position_risk",
    "positions_nearest_liquidation",
    "setting_get",
    "state_for_user",
    "symbol_books",
    "symbol_get",
    "wallet_get_for_user",
    "wallet_require",
]
