"""USDⓈ-M perpetual futures math: pure functions over Decimals.

Imports no app and touches no database (only ``core.money``'s precision), like ``trading.margin``
beside it. Quantities are signed in one-way mode: a long is positive, a short negative; prices and
amounts are in USDT. Nothing here rounds unless its name or docstring says so: the services quantize
at the boundary (8 places, or the symbol's tick).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from core.money import Q8

ZERO = Decimal(0)
ONE = Decimal(1)
BPS = Decimal(10000)

# Binance's funding: the interest rate part is 0.03 % a day, 0.01 % per 8-hour interval, and the
# clamp keeps (interest - premium) within +-0.05 %.
# https://www.binance.com/en/support/faq/introduction-to-binance-futures-funding-rates-360033525031
INTEREST_PER_INTERVAL = Decimal("0.0001")
FUNDING_CLAMP = Decimal("0.0005")
FUNDING_INTERVAL_HOURS = 8


def side_of(quantity: Decimal) -> int:
    """1 for a long, -1 for a short, 0 when flat (Binance's Side1BOTH)."""
    return (quantity > 0) - (quantity < 0)


def notional(*, quantity: Decimal, price: Decimal) -> Decimal:
    """The position's value, always positive: |quantity| x price."""
    return abs(quantity) * price


def unrealized_pnl(*, quantity: Decimal, entry_price: Decimal, mark_price: Decimal) -> Decimal:
    """(mark - entry) x signed quantity: a long gains when the mark rises, a short when it falls."""
    return quantity * (mark_price - entry_price)


def initial_margin(*, notional_value: Decimal, leverage: int) -> Decimal:
    """Binance: initial margin = notional / leverage."""
    return notional_value / Decimal(leverage)


def roe(*, pnl: Decimal, quantity: Decimal, entry_price: Decimal, leverage: int) -> Decimal | None:
    """Return on equity: PnL over the initial margin at the entry price (Binance's ROE %, as a ratio)."""
    margin = initial_margin(notional_value=notional(quantity=quantity, price=entry_price), leverage=leverage)
    if margin == 0:
        return None
    return pnl / margin


def weighted_entry(*, quantity: Decimal, entry_price: Decimal, fill_quantity: Decimal, fill_price: Decimal) -> Decimal:
    """The entry price after a fill in the same direction: the size-weighted average of both."""
    total = abs(quantity) + abs(fill_quantity)
    if total == 0:
        return ZERO
    return (abs(quantity) * entry_price + abs(fill_quantity) * fill_price) / total


@dataclass(frozen=True)
class PositionChange:
    """What one fill does to a one-way position."""

    quantity: Decimal  # the new signed quantity
    entry_price: Decimal  # the new entry price (0 when flat)
    closed: Decimal  # how much of the old position the fill closed (>= 0)
    realized_pnl: Decimal  # PnL of the closed part at the fill price
    opened: Decimal  # how much the fill added in its own direction (>= 0), after any flip


def position_after_fill(
    *, quantity: Decimal, entry_price: Decimal, fill_quantity: Decimal, fill_price: Decimal
) -> PositionChange:
    """Apply a signed fill (buy > 0, sell < 0) to a signed position.

    A fill against the position closes up to its size (realized PnL at the fill price, the entry price
    unchanged); what is left over opens a position the other way at the fill price. A fill with the
    position averages the entry price.
    """
    if quantity == 0 or side_of(quantity) == side_of(fill_quantity):
        entry = weighted_entry(
            quantity=quantity, entry_price=entry_price, fill_quantity=fill_quantity, fill_price=fill_price
        )
        return PositionChange(quantity + fill_quantity, entry, ZERO, ZERO, abs(fill_quantity))
    closed = min(abs(quantity), abs(fill_quantity))
    pnl = side_of(quantity) * closed * (fill_price - entry_price)
    after = quantity + fill_quantity
    if after == 0:
        return PositionChange(ZERO, ZERO, closed, pnl, ZERO)
    if side_of(after) == side_of(quantity):
        return PositionChange(after, entry_price, closed, pnl, ZERO)
    return PositionChange(after, fill_price, closed, pnl, abs(after))


# --- brackets and maintenance margin --------------------------------------------------------------


@dataclass(frozen=True)
class Bracket:
    """One notional tier of a symbol (Binance's leverageBracket: notionalFloor, notionalCap, initialLeverage,
    maintMarginRatio, cum)."""

    floor: Decimal
    cap: Decimal
    max_leverage: int
    mmr: Decimal
    cum: Decimal


def bracket_for(brackets: Sequence[Bracket], notional_value: Decimal) -> Bracket:
    """The tier holding ``notional_value``: floor <= notional < cap (the last tier takes anything above)."""
    ordered = sorted(brackets, key=lambda b: b.floor)
    for bracket in ordered:
        if notional_value < bracket.cap:
            return bracket
    return ordered[-1]


def cum_amount(*, floor: Decimal, mmr: Decimal, previous_mmr: Decimal, previous_cum: Decimal) -> Decimal:
    """Binance's maintenance amount of tier n: floor_n x (MMR_n - MMR_n-1) + cum_n-1.

    It makes the maintenance margin continuous across tiers.
    https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93
    """
    return floor * (mmr - previous_mmr) + previous_cum


def maintenance_margin(*, notional_value: Decimal, bracket: Bracket) -> Decimal:
    """Binance: maintenance margin = notional x MMR - maintenance amount (cum), of the notional's tier."""
    return notional_value * bracket.mmr - bracket.cum


def margin_ratio(*, maintenance: Decimal, margin_balance: Decimal) -> Decimal | None:
    """Binance's margin ratio: maintenance margin / margin balance; liquidation at 100 %.

    0 when nothing needs maintenance; None (beyond any ratio) when maintenance is due and the margin
    balance is zero or negative.
    """
    if maintenance <= 0:
        return ZERO
    if margin_balance <= 0:
        return None
    return maintenance / margin_balance


def isolated_liquidatable(*, isolated_margin: Decimal, pnl: Decimal, maintenance: Decimal) -> bool:
    """An isolated position is liquidated when its margin plus uPnL falls to its maintenance margin."""
    return isolated_margin + pnl <= maintenance


def cross_liquidatable(*, wallet_balance: Decimal, pnl: Decimal, maintenance: Decimal) -> bool:
    """The cross account is liquidated when its margin balance falls to the total cross maintenance margin."""
    return maintenance > 0 and wallet_balance + pnl <= maintenance


# --- the estimated liquidation price -------------------------------------------------------------


def liquidation_price(
    *,
    wallet_balance: Decimal,
    other_maintenance: Decimal,
    other_pnl: Decimal,
    cum: Decimal,
    quantity: Decimal,
    entry_price: Decimal,
    mmr: Decimal,
) -> Decimal | None:
    """Binance's estimated liquidation price of a one-way (BOTH) position, contract 1:

        LP = (WB - TMM1 + UPNL1 + cumB - Side1 x Position1 x EP1) / (Position1 x MMR_B - Side1 x Position1)

    WB is the cross wallet balance (cross) or the position's isolated wallet balance (isolated, with
    TMM1 = UPNL1 = 0); TMM1 and UPNL1 are the maintenance margin and unrealized PnL of every other
    cross position. None for a flat position or when the price would be at or below zero (Binance's
    UI shows "--"). The MMR and cum must be those of the tier at the liquidation price:
    ``liquidation_price_in`` tries the tiers as the FAQ says.
    https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93
    """
    side = side_of(quantity)
    size = abs(quantity)
    if side == 0:
        return None
    denominator = size * mmr - side * size
    if denominator == 0:
        return None
    price = (wallet_balance - other_maintenance + other_pnl + cum - side * size * entry_price) / denominator
    return price if price > 0 else None


def liquidation_price_in(
    *,
    brackets: Sequence[Bracket],
    wallet_balance: Decimal,
    other_maintenance: Decimal,
    other_pnl: Decimal,
    quantity: Decimal,
    entry_price: Decimal,
) -> Decimal | None:
    """The liquidation price with the tier the position would be in at that price.

    The FAQ: if the notional at the computed price falls in another tier than the one assumed, use that
    tier's MMR and maintenance amount and compute again. Tried from the lowest tier up, the first
    self-consistent answer wins.
    """
    size = abs(quantity)
    fallback = None
    for bracket in sorted(brackets, key=lambda b: b.floor):
        price = liquidation_price(
            wallet_balance=wallet_balance,
            other_maintenance=other_maintenance,
            other_pnl=other_pnl,
            cum=bracket.cum,
            quantity=quantity,
            entry_price=entry_price,
            mmr=bracket.mmr,
        )
        if price is None:
            continue
        fallback = fallback or price
        if bracket.floor <= size * price < bracket.cap:
            return price
    return fallback


# --- funding ------------------------------------------------------------------------------------------


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def premium_index(*, mark_price: Decimal, index_price: Decimal) -> Decimal:
    """The premium of the perpetual over its index, as a ratio (simulated: the mark's basis)."""
    return (mark_price - index_price) / index_price


def funding_rate(*, premium: Decimal, interest: Decimal = INTEREST_PER_INTERVAL) -> Decimal:
    """Binance: funding rate = premium index + clamp(interest rate - premium index, -0.05 %, +0.05 %)."""
    return premium + clamp(interest - premium, -FUNDING_CLAMP, FUNDING_CLAMP)


def funding_payment(*, quantity: Decimal, mark_price: Decimal, rate: Decimal) -> Decimal:
    """What the position pays (positive) or receives (negative): signed notional at mark x rate.

    With a positive rate longs pay shorts; with a negative one shorts pay longs.
    """
    return quantity * mark_price * rate


def funding_time_before(now: datetime) -> datetime:
    """The last funding time at or before ``now``: 00:00, 08:00 or 16:00 UTC."""
    now = now.astimezone(UTC)
    hour = now.hour - now.hour % FUNDING_INTERVAL_HOURS
    return now.replace(hour=hour, minute=0, second=0, microsecond=0)


def next_funding_time(now: datetime) -> datetime:
    """The next funding time strictly after ``now``."""
    return funding_time_before(now) + timedelta(hours=FUNDING_INTERVAL_HOURS)


# --- rounding at the boundary -----------------------------------------------------------------------


def round_to(value: Decimal, step: Decimal = Q8, *, up: bool = False) -> Decimal:
    """``value`` on a multiple of ``step``, toward zero (or away from it with ``up``)."""
    steps = (value / step).to_integral_value(rounding=ROUND_UP if up else ROUND_DOWN)
    return (steps * step).quantize(Q8)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return step > 0 and value % step == 0
