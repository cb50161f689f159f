"""Reads of the trading app, one module per job; every name is importable from here too.

Views reach a user's data only through the ``*_for_user`` selectors.
"""

from trading.selectors.accounts import (
    account_assets,
    account_list_for_user,
    account_symbols,
    cross_account_get_for_user,
    isolated_account_get_for_user,
    isolated_symbols,
    margin_account_for_user,
    max_transferable_get,
    open_orders_for_account,
    owed_assets,
)
from trading.selectors.book import (
    OrderBookView,
    book_params_get,
    book_params_of,
    order_book,
    order_books,
    pair_book,
)
from trading.selectors.interest import (
    interest_rate_current,
    interest_rate_history,
    interest_rate_list,
    interest_rates_now,
)
from trading.selectors.ledger import (
    SQLITE_RELATIVE_PRECISION,
    _journal_sums,
    ledger_differences,
    ledger_lines_for_account,
)
from trading.selectors.lookups import (
    QUOTE_ASSET,
    _as_id,
    account_get_for_user,
    asset_get,
    mark_price_get,
    mark_prices,
    order_get_for_user,
    pair_get,
    pairs_by_symbol,
    platform_settings_get,
)
from trading.selectors.markets import (
    Ticker,
    ticker_list,
)
from trading.selectors.positions import (
    Position,
    position_list,
    position_list_for_user,
    positions_of,
)
from trading.selectors.tier_table import TierRow, account_tier_table, tier_table_get
from trading.selectors.tiers import PairTiers, isolated_ratios, isolated_tier_tables, pair_tiers_get
from trading.selectors.valuation import (
    AccountSummary,
    account_summaries_for_user,
    account_summary,
    account_summary_get,
    holdings_of,
    profile_ratios_get,
    ratios_get,
    risk_tiers,
    tier_ratios,
    valuation_of,
)

__all__ = [
    "AccountSummary",
    "OrderBookView",
    "PairTiers",
    "Position",
    "QUOTE_ASSET",
    "SQLITE_RELATIVE_PRECISION",
    "Ticker",
    "TierRow",
    "_as_id",
    "_journal_sums",
    "account_assets",
    "account_get_for_user",
    "account_list_for_user",
    "account_summaries_for_user",
    "account_summary",
    "account_summary_get",
    "account_tier_table",
    "account_symbols",
    "asset_get",
    "book_params_get",
    "book_params_of",
    "cross_account_get_for_user",
    "holdings_of",
    "isolated_account_get_for_user",
    "isolated_ratios",
    "isolated_tier_tables",
    "isolated_symbols",
    "interest_rate_current",
    "interest_rate_history",
    "interest_rate_list",
    "interest_rates_now",
    "ledger_differences",
    "ledger_lines_for_account",
    "margin_account_for_user",
    "mark_price_get",
    "mark_prices",
    "max_transferable_get",
    "open_orders_for_account",
    "order_book",
    "order_books",
    "order_get_for_user",
    "owed_assets",
    "pair_book",
    "pair_get",
    "pair_tiers_get",
    "pairs_by_symbol",
    "platform_settings_get",
    "position_list",
    "position_list_for_user",
    "positions_of",
    "profile_ratios_get",
    "ratios_get",
    "risk_tiers",
    "ticker_list",
    "tier_table_get",
    "tier_ratios",
    "valuation_of",
]
