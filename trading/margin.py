"""Margin math: pure functions over Decimals.

Imports no app and touches no database, so every rule of ``shared/spec/margin-rules.md`` can be tested
with exact expectations. Values are in the quote asset (USDT) at mark prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.money import Q8  # the one precision of stored amounts and prices (8 places)

ZERO = Decimal(0)
ONE = Decimal(1)
HOURS_PER_DAY = Decimal(24)
BPS = Decimal(10000)


class Status(StrEnum):
    NORMAL = "NORMAL"
    MARGIN_CALL = "MARGIN_CALL"
    LIQUIDATION = "LIQUIDATION"


@dataclass(frozen=True)
class Ratios:
    """One risk tier: the four margin-level thresholds of a (kind, leverage class), as margin levels
    (assets / debt), whatever the tier's own units (``trading.selectors.tier_ratios`` converts a Pro tier).

    ``rules`` names the profile and mode in force, for every page that shows a margin level;
    ``maintenance_rate`` is set for Cross Margin Pro (see ``pro_margin_level``)."""

    initial: Decimal
    margin_call: Decimal
    liquidation: Decimal
    transfer_out: Decimal = Decimal(2)
    rules: str = ""
    maintenance_rate: Decimal | None = None


# --- Cross Margin Pro -----------------------------------------------------------------------------------
# Binance: "Cross Margin Pro Margin Level = ∑Net Equity / ∑Required Maintenance Margin", liquidation at
# "Margin Level ≤ 1.0 (Cross Margin Pro mode)" against "≤ 1.1" for Classic 3x/5x, up to 10x leverage
# (https://www.binance.com/en/support/faq/0b5441a1c1ff431bb2e135dfa8e6ffba, "Introduction to Binance Cross
# Margin Pro"); the maintenance margin is the liability's value x its tier's maintenance margin rate
# (https://www.binance.com/en/margin-fee, "Cross Margin Pro Position Tiers"). With one liability tier
# (one rate m), net equity = A - D and maintenance = m x D, so a Pro level P is the margin level 1 + m x P:
# the whole engine keeps one level (A / D) and a Pro tier's lines are converted once, here.


def pro_threshold(pro_level: Decimal, maintenance_rate: Decimal) -> Decimal:
    """The margin level (A / D) at which the Pro margin level is ``pro_level``."""
    return ONE + maintenance_rate * pro_level


def pro_margin_level(valuation: Valuation, maintenance_rate: Decimal) -> Decimal | None:
    """Binance's Cross Margin Pro margin level: net equity / maintenance margin; None without debt."""
    if valuation.debt <= 0:
        return None
    return valuation.equity / (maintenance_rate * valuation.debt)


def may_switch_cross_mode(valuation: Valuation, *, to_pro: bool, classic_initial: Decimal) -> bool:
    """Binance's conditions for switching a cross account between Classic and Pro: "switch to the Cross
    Margin Pro mode if the Collateral Margin Level in the Classic mode is above 1.25", and "switch back to
    Cross Margin Classic if the Collateral Margin Level (in the Classic mode) is above the Initial Risk
    Ratio" (https://www.binance.com/en/support/faq/0b5441a1c1ff431bb2e135dfa8e6ffba). Above, strictly;
    without debt there is no level and either switch is allowed."""
    line = PRO_SWITCH_LEVEL if to_pro else classic_initial
    return valuation.debt <= 0 or valuation.assets > line * valuation.debt


PRO_SWITCH_LEVEL = Decimal("1.25")


@dataclass(frozen=True)
class Holding:
    asset: str
    free: Decimal = ZERO
    locked: Decimal = ZERO
    borrowed: Decimal = ZERO
    interest: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.free + self.locked

    @property
    def debt(self) -> Decimal:
        return self.borrowed + self.interest

    @property
    def net(self) -> Decimal:
        return self.gross - self.debt


@dataclass(frozen=True)
class Valuation:
    assets: Decimal
    debt: Decimal

    @property
    def equity(self) -> Decimal:
        return self.assets - self.debt

    @property
    def level(self) -> Decimal | None:
        return margin_level(self.assets, self.debt)


# --- rounding ---------------------------------------------------------------------------------------


def round_down(value: Decimal, step: Decimal = Q8) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def round_up(value: Decimal, step: Decimal = Q8) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def round_half_up(value: Decimal, step: Decimal = Q8) -> Decimal:
    """The nearest multiple of ``step`` (halves away from zero): 389.488 on a tick of 0.1 is 389.5.

    Not ``value.quantize(step)``: that rounds to the step's exponent (8 places for a stored tick of
    0.10000000), not to a multiple of the step."""
    return (value / step).to_integral_value(rounding=ROUND_HALF_UP) * step


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return step > 0 and (value % step) == 0


# --- margin level -----------------------------------------------------------------------------------


def margin_level(asset_value: Decimal, debt_value: Decimal) -> Decimal | None:
    """Total asset value / (total borrowed + total unpaid interest); None without debt."""
    if debt_value <= 0:
        return None
    return asset_value / debt_value


def classify(level: Decimal | None, ratios: Ratios) -> Status:
    if level is None:
        return Status.NORMAL
    if level <= ratios.liquidation:
        return Status.LIQUIDATION
    if level <= ratios.margin_call:
        return Status.MARGIN_CALL
    return Status.NORMAL


def price_drift(before: dict, after: dict) -> Decimal:
    """The factor by which any margin level can at most have fallen from prices ``before`` to ``after``,
    balances unchanged: the smallest price ratio over the largest (the quote asset's ratio 1 counts).

    Each asset's value moves by its own ratio, so the asset total falls at most by the smallest ratio and
    the debt total rises at most by the largest. An asset priced on one side only gives 0: no bound.
    """
    if before.keys() != after.keys() or any(price <= 0 for price in before.values()):
        return ZERO
    ratios = [ONE, *(after[asset] / before[asset] for asset in before)]
    return min(ratios) / max(ratios)


def value(holdings: list[Holding], prices: dict[str, Decimal]) -> Valuation:
    """Asset value (free + locked) and debt value (borrowed + interest) at the given prices."""
    assets = ZERO
    debt = ZERO
    for h in holdings:
        price = prices[h.asset]
        assets += h.gross * price
        debt += h.debt * price
    return Valuation(assets=assets, debt=debt)


# --- borrowing, transfers, interest -----------------------------------------------------------------


def max_borrowable(*, valuation: Valuation, initial: Decimal, price: Decimal) -> Decimal:
    """The largest b (to 8 places, rounded down) with (A + b*p) / (D + b*p) >= initial."""
    headroom = valuation.assets - initial * valuation.debt
    if headroom <= 0 or price <= 0:
        return ZERO
    return round_down(headroom / (initial - ONE) / price)


def keeps_level(valuation: Valuation, threshold: Decimal) -> bool:
    """The one decision of the margin rules: does a margin level of ``valuation`` (the account as it would
    be after the operation) stay at or above ``threshold``? No debt passes every threshold.

    Compared as A >= threshold * D rather than A / D >= threshold, so that no rounding of the quotient can
    let through the smallest amount past a maximum computed from the same formula.

    The thresholds: a borrow, a margin order or a leverage change needs the initial ratio after it (the
    spec: ">= initial"; at exactly the initial ratio it is allowed). What counts as debt for that check is
    the principal after the operation and the interest already accrued before it, but not the first hour of
    interest the operation's own borrow charges at that moment (``trading.services.loans.initial_check_valuation``
    says why, with Binance's sources). A transfer out needs the transfer-out ratio (2) after it: Binance allows a transfer
    out only while the margin level is above the transfer-out level, and then at most "total asset value -
    transfer-out level x (borrowed + unpaid interest)", which brings the level down to exactly 2
    (https://www.binance.com/en/support/faq/detail/d9e94f23ea6d44008a4d52ac813e7410, "How to Transfer Funds
    From Your Margin Account"). So the level after the transfer may equal 2, and at exactly 2 nothing more
    can leave: any positive amount would take it below.
    """
    return valuation.debt <= 0 or valuation.assets >= threshold * valuation.debt


LEVEL_SHOWN = Decimal("0.0001")  # a margin level is shown to 4 places


def shown_below(level: Decimal | None, step: Decimal = LEVEL_SHOWN) -> str:
    """A refused margin level as a message shows it: rounded DOWN to 4 places, never up.

    Rounding to nearest would print 1.49999 as "1.5000" next to "below the initial ratio 1.5", a refusal
    that reads like an acceptance. Rounded down, a level below a ratio always prints below it (the ratio
    itself is printed in full)."""
    if level is None:
        return "no debt"
    return f"{level.quantize(step, rounding=ROUND_FLOOR):f}"


def max_transferable_out(*, valuation: Valuation, transfer_out: Decimal, price: Decimal, available: Decimal) -> Decimal:
    """How much of an asset can leave while (A - x*p) / D stays >= the transfer-out ratio."""
    if valuation.debt <= 0:
        return available
    headroom = valuation.assets - transfer_out * valuation.debt
    if headroom <= 0:
        return ZERO
    return min(available, round_down(headroom / price))


def hourly_interest(principal: Decimal, daily_rate: Decimal, hours: int = 1) -> Decimal:
    """Exact (unrounded) simple interest for whole hours: principal * daily_rate / 24 * hours."""
    return principal * daily_rate / HOURS_PER_DAY * hours


def hourly_rates(*, schedule: list[tuple[datetime, Decimal]], first_hour: datetime, hours: int) -> list[Decimal]:
    """The daily rate in force at the start of each of ``hours`` clock hours from ``first_hour`` on.

    ``schedule`` is (effective from, daily rate), in any order; an hour takes the latest entry that began at
    or before it. Binance: interest accrues at the start of each hour, at that hour's rate
    (https://www.binance.com/en/support/faq/360030157812). An hour before every entry has no rate: ValueError.
    """
    ordered = sorted(schedule)
    rates = []
    for n in range(hours):
        hour = first_hour + timedelta(hours=n)
        in_force = [rate for start, rate in ordered if start <= hour]
        if not in_force:
            raise ValueError(f"no interest rate in force at {hour.isoformat()}")
        rates.append(in_force[-1])
    return rates


def interest_for_hours(principal: Decimal, daily_rates: list[Decimal]) -> Decimal:
    """Exact (unrounded) simple interest on ``principal`` for one hour at each of ``daily_rates``."""
    return sum((hourly_interest(principal, rate) for rate in daily_rates), ZERO)


def interest_charge(*, accrued_before: Decimal, accrued_after: Decimal) -> Decimal:
    """What to charge now so that the sum of all charges is the exact accrual rounded to 8 places.

    Rounding each hour on its own drifts (1000 USDT at 0.02 %/day for two hours would come to
    0.01666666 instead of the spec's 0.01666667), so charges are differences of rounded totals.
    """
    return round_half_up(accrued_after) - round_half_up(accrued_before)


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


# --- what would have saved it (the explained replays of risk.replay) --------------------------------


def collateral_to_stay_above(*, valuations: list[Valuation], liquidation: Decimal) -> Decimal:
    """The least quote collateral (to 8 places) that, added before ``valuations`` and left in the account,
    keeps every one of them above the liquidation line: the liquidation fires at a level <= the line, so
    A + c > line x D at each, and c is the smallest multiple of 0.00000001 above max(line x D - A).
    0 when none of them reached the line."""
    worst = max((liquidation * v.debt - v.assets for v in valuations if v.debt > 0), default=None)
    if worst is None or worst < 0:
        return ZERO
    return round_down(worst) + Q8


def liquidation_multiplier(*, holdings: list[Holding], prices: dict[str, Decimal], quote: str, liquidation: Decimal):
    """The factor m by which every non-``quote`` price would have to move together for the account to reach
    the liquidation line: ``liquidation_price`` with the non-quote holdings as one "base" priced 1.
    None when no move of that kind takes it there (no debt, or the quote side alone carries it)."""
    base = value([h for h in holdings if h.asset != quote], prices)
    rest = value([h for h in holdings if h.asset == quote], prices)
    return liquidation_price(
        base_assets=base.assets,
        base_debt=base.debt,
        quote_assets=rest.assets,
        quote_debt=rest.debt,
        liquidation=liquidation,
    )


def debt_at_leverage(*, position_value: Decimal, equity: Decimal, leverage: Decimal) -> Decimal:
    """How much less would have been borrowed for the same position with own funds of position / leverage
    instead of ``equity`` (0 if that is no more than the equity there was)."""
    own = position_value / leverage
    return max(own - equity, ZERO)


def merged(*groups: list[Holding]) -> list[Holding]:
    """Several accounts' holdings as one account's (a cross account holding everything)."""
    totals: dict[str, list[Decimal]] = {}
    for group in groups:
        for h in group:
            t = totals.setdefault(h.asset, [ZERO, ZERO, ZERO, ZERO])
            t[0] += h.free
            t[1] += h.locked
            t[2] += h.borrowed
            t[3] += h.interest
    return [Holding(asset=a, free=t[0], locked=t[1], borrowed=t[2], interest=t[3]) for a, t in sorted(totals.items())]


def split_by_value(
    *, holdings: list[Holding], prices: dict[str, Decimal], quote: str, weights: dict[str, Decimal]
) -> dict[str, list[Holding]]:
    """A cross account as isolated accounts, one per non-quote asset: each keeps its own asset, and the quote
    holdings and debts are shared out in proportion to ``weights`` (each position's value)."""
    total = sum(weights.values(), ZERO)
    quote_h = next((h for h in holdings if h.asset == quote), Holding(asset=quote))
    out = {}
    for h in holdings:
        if h.asset == quote or total <= 0 or weights.get(h.asset, ZERO) <= 0:
            continue
        share = weights[h.asset] / total
        out[h.asset] = [
            h,
            Holding(
                asset=quote,
                free=quote_h.free * share,
                locked=quote_h.locked * share,
                borrowed=quote_h.borrowed * share,
                interest=quote_h.interest * share,
            ),
        ]
    return out


def max_surviving_leverage(
    *, position_value: Decimal, equity: Decimal, valuations: list[Valuation], liquidation: Decimal
) -> Decimal | None:
    """The highest leverage (position / own funds) at which the same position, borrowing less by
    ``debt_at_leverage``, stays above the line at every valuation: A > line x (D - (V/k - E)) solved for k,
    k < V / (E + D - A / line) at each. None when any leverage survives (or there is no position)."""
    bounds = [equity + v.debt - v.assets / liquidation for v in valuations if v.debt > 0]
    worst = max(bounds, default=None)
    if worst is None or position_value <= 0:
        return None
    if worst <= 0:
        return None
    return position_value / worst
