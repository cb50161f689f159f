"""Fills: prices, slippage, filters, locks and the entry price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .levels import (
    BPS,
    ONE,
    is_multiple,
    round_down,
    round_half_up,
    round_up,
)

# --- fills ------------------------------------------------------------------------------------------


def slipped_price(*, mark: Decimal, is_buy: bool, slippage_bps: Decimal, tick: Decimal) -> Decimal:
    """The mark price moved against the taker, kept on the pair's tick (rounded against the taker)."""
    factor = slippage_bps / BPS
    if is_buy:
        return round_up(mark * (ONE + factor), tick)
    return round_down(mark * (ONE - factor), tick)


def liquidation_price(
    *, base_assets: Decimal, base_debt: Decimal, quote_assets: Decimal, quote_debt: Decimal, liquidation: Decimal
) -> Decimal | None:
    """P_liq = (quote_debt * L - quote_assets) / (base_assets - base_debt * L); None unless positive.

    For an isolated account the "quote" terms are its quote asset; for one asset of a cross account
    they are the value of everything else in it, other prices held still.
    """
    denominator = base_assets - base_debt * liquidation
    if denominator == 0:
        return None
    price = (quote_debt * liquidation - quote_assets) / denominator
    return price if price > 0 else None


@dataclass(frozen=True)
class Fill:
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    fee: Decimal  # in the asset received: base for a buy, quote for a sell


def fill_at(*, is_buy: bool, price: Decimal, quantity: Decimal, fee_rate: Decimal) -> Fill:
    """The amounts of a fill of ``quantity`` at ``price``; every rounding goes against the trader."""
    gross = quantity * price
    quote = round_up(gross) if is_buy else round_down(gross)
    fee = round_up((quantity if is_buy else quote) * fee_rate)
    return Fill(price=price, quantity=quantity, quote_quantity=quote, fee=fee)


def market_fill(
    *,
    is_buy: bool,
    mark: Decimal,
    quantity: Decimal | None,
    quote_quantity: Decimal | None,
    slippage_bps: Decimal,
    fee_rate: Decimal,
    tick: Decimal,
    step: Decimal,
) -> Fill:
    """A MARKET order filled at once at the mark price moved by slippage against the taker."""
    price = slipped_price(mark=mark, is_buy=is_buy, slippage_bps=slippage_bps, tick=tick)
    if quantity is None:
        if quote_quantity is None:
            raise ValueError("a MARKET fill needs quantity or quote_quantity")
        quantity = round_down(quote_quantity / price, step)
    return fill_at(is_buy=is_buy, price=price, quantity=quantity, fee_rate=fee_rate)


def taker_price(*, mark: Decimal, limit: Decimal, is_buy: bool, slippage_bps: Decimal, tick: Decimal) -> Decimal:
    """A marketable LIMIT fills at the slipped mark, never beyond its own limit."""
    slipped = slipped_price(mark=mark, is_buy=is_buy, slippage_bps=slippage_bps, tick=tick)
    return min(slipped, limit) if is_buy else max(slipped, limit)


def is_marketable(*, is_buy: bool, limit: Decimal, mark: Decimal) -> bool:
    return limit >= mark if is_buy else limit <= mark


def stop_reached(*, is_stop_loss: bool, is_buy: bool, stop: Decimal, mark: Decimal) -> bool:
    """A stop-loss sells when the price falls to the stop (buys when it rises); take-profit the other way."""
    rising = is_buy if is_stop_loss else not is_buy
    return mark >= stop if rising else mark <= stop


def capped_quantity(*, quantity: Decimal, price: Decimal, max_notional: Decimal, step: Decimal) -> Decimal:
    """How much of ``quantity`` the market can take in one tick (0 means no limit)."""
    if max_notional <= 0:
        return quantity
    return min(quantity, round_down(max_notional / price, step))


def buy_lock(*, quantity: Decimal, price: Decimal) -> Decimal:
    """Quote locked by a buy order: the most its fills at ``price`` or better can cost."""
    return round_up(quantity * price)


def filter_failure(
    *,
    quantity: Decimal,
    price: Decimal,
    step: Decimal,
    min_qty: Decimal,
    min_notional: Decimal,
    tick: Decimal | None = None,
    prices: tuple[Decimal | None, ...] = (),
) -> str | None:
    """The name of the first pair filter an order breaks (Binance's names), or None.

    ``prices`` are the order's own limit and stop prices, checked against the tick (PRICE_FILTER).
    """
    if tick is not None and any(p is not None and (p <= 0 or not is_multiple(p, tick)) for p in prices):
        return "PRICE_FILTER"
    if quantity <= 0 or quantity < min_qty or not is_multiple(quantity, step):
        return "LOT_SIZE"
    if quantity * price < min_notional:
        return "NOTIONAL"
    return None


def entry_price_after(
    *, net_before: Decimal, entry_before: Decimal | None, net_after: Decimal, price: Decimal
) -> Decimal | None:
    """Average entry price of a position: weighted while it grows, kept while it shrinks, reset when flat."""
    if net_after == 0:
        return None
    if net_before == 0 or entry_before is None or (net_before > 0) != (net_after > 0):
        return price
    if abs(net_after) <= abs(net_before):
        return entry_before
    added = abs(net_after) - abs(net_before)
    return round_half_up((abs(net_before) * entry_before + added * price) / abs(net_after))
