"""Binance's field names and formats: amounts and prices as strings with 8 decimals, times in milliseconds.

Pure shaping of what the selectors read; no rule is decided here. The shapes follow Binance's documented
answers (spot /api/v3 and margin /sapi/v1), so that ccxt's parsers and bots that read fields by name work.
One module per area (``market``, ``accounts``, ``orders``) over ``common``; the names are gathered here so
that a view writes ``formats.order(...)`` whichever module shapes it.
"""

from trading.binance.formats.accounts import (
    coin,
    commission_rates,
    commission_rates_test,
    cross_account,
    cross_margin_data,
    isolated_account,
    isolated_margin_data,
    isolated_margin_tier,
    isolated_totals,
    margin_asset,
    margin_pair,
    spot_account,
    trade_fee,
    user_asset,
)
from trading.binance.formats.common import ZERO, amount, in_btc, ms, ratio
from trading.binance.formats.market import (
    exchange_info,
    futures_exchange_info,
    kline,
    price_ticker,
    rate_limits,
    symbol_info,
    ticker_24hr,
)
from trading.binance.formats.order_lists import cancelled_order_list, new_order_list, order_list
from trading.binance.formats.orders import cancelled_order, fill, new_order, order, trade
from trading.binance.formats.records import (
    borrow_repay_row,
    interest_row,
    liquidation_row,
    loan_row,
    repay_row,
    rows,
)

__all__ = [
    "cancelled_order_list",
    "new_order_list",
    "order_list",
    "borrow_repay_row",
    "interest_row",
    "liquidation_row",
    "loan_row",
    "repay_row",
    "rows",
    "cross_margin_data",
    "isolated_margin_data",
    "isolated_margin_tier",
    "trade_fee",
    "commission_rates",
    "commission_rates_test",
    "ZERO",
    "amount",
    "ms",
    "ratio",
    "in_btc",
    "symbol_info",
    "rate_limits",
    "exchange_info",
    "futures_exchange_info",
    "price_ticker",
    "ticker_24hr",
    "kline",
    "margin_pair",
    "margin_asset",
    "coin",
    "user_asset",
    "spot_account",
    "cross_account",
    "isolated_account",
    "isolated_totals",
    "order",
    "fill",
    "new_order",
    "cancelled_order",
    "trade",
]
