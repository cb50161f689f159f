"""Margin levels: the ratios of a tier, holdings and their valuation, rounding, Cross Margin Pro."""

from __future__ import annotations

from dataclasses import dataclass
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
    tier: int | None = None  # isolated tiered leverage: the tier in force (``trading.margin.tiers``)


# --- Cross Margin Pro -----------------------------------------------------------------------------------
# Binance: "Cross Margin Pro Margin Level = ∑Net Equity / ∑Required Maintenance Margin", liquidation at
# "Margin Level ≤ 1.0 (Cross Margin Pro mode)" against "≤ 1.1" for Classic 3x/5x, up to 10x leverage
# (https://www.binance.com/en/support/faq/0b5441a1c1ff431bb2e135dfa8e6ffba, "Introduction to Binance Cross
# Margin Pro"); the maintenance margin is the liability's value x its tier's maintenance margin rate
# (https://www.binance.com/en/margin-fee, "Cross Margin Pro Position Tiers"). With one liability tier
# (one rate m), net equity = A - D and maintenance = m x D, so a Pro level P is the margin level 1 + m x P:
# the whole engine keeps one level (A / D) and a Pro tier's lines are converted once, here.
# Binance documents no Pro margin-call line: its pages give the liquidation line (1.0) only (the FAQ above,
# and "How to Calculate the Margin Level for Cross Margin Pro",
# https://www.binance.com/en/support/faq/12a78d8aa813470f96be283b45f75410, whose January 2025 version counts
# collateral haircuts and open-order losses, which MarginLab's one-tier model leaves out). The Pro tier's
# margin call, 1.5 by default (migration 0010), is MarginLab's own; staff edit it in the admin.


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
