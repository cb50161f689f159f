"""The order ticket's maximum: the largest quantity a MARKET or LIMIT order can have now, on the chosen side and
with the chosen side effect (MARGIN_BUY borrows what is missing, within the initial ratio and the borrow limits).

An estimate from the margin math is checked against ``order_place`` itself, run in a savepoint that is always
rolled back (nothing is written, locks end with the savepoint, on_commit hooks are discarded), so the shown
maximum is what the ticket accepts and one step more is what it refuses.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.errors import ApplicationError
from trading import margin, selectors
from trading.models import Account, Order, Pair
from trading.services.loans import max_borrowable_get
from trading.services.orders import order_place

BORROWING = {Order.SideEffect.MARGIN_BUY, Order.SideEffect.AUTO_BORROW_REPAY}
MAX_TRIES = 24  # dry runs at most; the estimate is usually within a step, so two suffice


class _DryRun(Exception):
    pass


def _accepted(*, user, account: Account, pair: Pair, side: str, type: str, price, side_effect, quantity) -> bool:
    try:
        with transaction.atomic():
            order_place(
                user=user,
                account_id=account.pk,
                symbol=pair.symbol,
                side=side,
                type=type,
                quantity=f"{quantity:f}",
                price=None if price is None else f"{price:f}",
                time_in_force=None if price is None else "GTC",
                side_effect=side_effect if account.is_margin else None,
            )
            raise _DryRun
    except _DryRun:
        return True
    except ApplicationError:
        return False


def _estimate(*, user, account: Account, pair: Pair, side: str, price: Decimal, side_effect) -> Decimal:
    """The margin math's answer (in base units, unrounded); checked against the service afterwards."""
    prices = selectors.mark_prices()
    balances = list(account.balances.select_related("asset"))
    is_buy = side == Order.Side.BUY
    spend = pair.quote if is_buy else pair.base
    free = next((b.free for b in balances if b.asset_id == spend.pk), Decimal(0))
    no_borrow = free / price if is_buy else free
    if not account.is_margin or side_effect not in BORROWING:
        return no_borrow
    capacity = max_borrowable_get(user=user, account_id=account.pk, asset=spend.code)
    by_limit = (free + capacity) / price if is_buy else free + capacity
    valuation = selectors.valuation_of(balances=balances, prices=prices)
    settings = selectors.account_settings_get(account)
    ratios = selectors.ratios_get(account=account, profile_id=settings.risk_profile_id, balances=balances)
    fee = settings.taker_fee
    m_base, m_quote = prices.get(pair.base.code), prices.get(pair.quote.code, Decimal(1))
    if m_base is None:
        return no_borrow
    initial, assets, debt = ratios.initial, valuation.assets, valuation.debt
    # After a fill of q that borrows what the free balance lacks, (assets') / (debt') >= initial, solved for q.
    if is_buy:
        top = assets - free * m_quote - initial * (debt - free * m_quote)
        bottom = initial * price * m_quote - (1 - fee) * m_base
    else:
        top = assets - free * m_base - initial * (debt - free * m_base)
        bottom = initial * m_base - price * (1 - fee) * m_quote
    by_ratio = top / bottom if bottom > 0 else by_limit
    return max(no_borrow, min(by_ratio, by_limit))


def ticket_max_get(*, user, account: Account, pair: Pair, side: str, type: str, price, side_effect) -> Decimal | None:
    """The largest accepted quantity (a multiple of the pair's step), 0 when none is, None when unknown now."""
    if type not in (Order.Type.MARKET, Order.Type.LIMIT):
        return None
    try:
        mark = selectors.mark_price_get(pair=pair)
        settings = selectors.market_settings_get(pair.market_id)
        fill_price = (
            price
            if type == Order.Type.LIMIT
            else margin.slipped_price(
                mark=mark, is_buy=side == Order.Side.BUY, slippage_bps=settings.slippage_bps, tick=pair.tick_size
            )
        )
        if fill_price is None or fill_price <= 0:
            return None
        guess = _estimate(user=user, account=account, pair=pair, side=side, price=fill_price, side_effect=side_effect)
    except ApplicationError:
        return None
    step = pair.step_size
    steps = int(max(guess, Decimal(0)) / step)

    def ok(n: int) -> bool:
        return n > 0 and _accepted(
            user=user,
            account=account,
            pair=pair,
            side=side,
            type=type,
            price=price if type == Order.Type.LIMIT else None,
            side_effect=side_effect,
            quantity=n * step,
        )

    tries = 0
    # Find lo accepted and hi refused around the estimate, then bisect between them.
    lo, hi = 0, None
    if ok(steps):
        lo, probe, tries = steps, 1, 1
        while tries < MAX_TRIES:
            tries += 1
            if ok(lo + probe):
                lo, probe = lo + probe, probe * 2
            else:
                hi = lo + probe
                break
    else:
        hi, probe, tries = steps, 1, 1
        while tries < MAX_TRIES and hi - probe > 0:
            tries += 1
            if ok(hi - probe):
                lo = hi - probe
                break
            hi, probe = hi - probe, probe * 2
    if hi is None:
        return lo * step
    while hi - lo > 1 and tries < MAX_TRIES:
        tries += 1
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo * step
