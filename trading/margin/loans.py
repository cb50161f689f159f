"""Borrowing, transfers out and interest."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from .levels import (
    HOURS_PER_DAY,
    ONE,
    ZERO,
    Valuation,
    round_down,
    round_half_up,
)

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
