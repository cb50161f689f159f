"""Hypothesis: with bands, a tick still liquidates every wallet past the line.

Random wallets (cross and isolated, long and short, several leverages) are banded by a first sweep;
then the marks move, a few symbols at a time, and after each move only a tick runs (the moved symbols'
positions out of their band, and unbanded ones). After every tick, valued exactly in Decimal, no
isolated position is at or under its maintenance margin and no cross wallet at or under its total
maintenance margin: nothing the tick skipped was due. Each example runs in a transaction rolled back
at its end.
"""

from decimal import Decimal as D

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import ApplicationError
from futures import formulas as f
from futures import selectors
from futures.models import FuturesLiquidation
from futures.services.orders import futures_order_place
from futures.services.sweep import futures_sweep, futures_tick_sweep
from futures.services.symbol_settings import futures_leverage_set, futures_margin_type_set
from tests.futures.helpers import fund
from tests.helpers import PASSWORD
from trading.services.accounts import user_signup
from trading.services.markets import mark_price_set

START = {"BTCUSDT": D(100000), "ETHUSDT": D(2500)}
QTY = {"BTCUSDT": ["0.002", "0.01", "0.03"], "ETHUSDT": ["0.1", "0.5", "1.2"]}

POSITION = st.tuples(
    st.sampled_from(sorted(START)),
    st.sampled_from(["BUY", "SELL"]),
    st.integers(0, 2),  # the quantity's index
    st.booleans(),  # isolated
    st.sampled_from([5, 20, 50]),
)
WALLET = st.tuples(
    st.sampled_from([150, 400, 1000]), st.lists(POSITION, min_size=1, max_size=2, unique_by=lambda p: p[0])
)
# A move: some symbols, each by a factor (some within the 2 % band, some well past it).
MOVE = st.dictionaries(
    st.sampled_from(sorted(START)),
    st.sampled_from(
        [D("0.9"), D("0.95"), D("0.97"), D("0.99"), D("0.999"), D("1.001"), D("1.01"), D("1.03"), D("1.1")]
    ),
    min_size=1,
)

COUNTER = iter(range(10**6))


def open_wallet(balance, positions):
    user = user_signup(username=f"prop{next(COUNTER)}", password=PASSWORD)
    fund(user, balance)
    for symbol, side, qty, isolated, leverage in positions:
        try:
            if isolated:
                futures_margin_type_set(user=user, symbol=symbol, margin_type="ISOLATED")
            futures_leverage_set(user=user, symbol=symbol, leverage=leverage)
            futures_order_place(user=user, symbol=symbol, side=side, type="MARKET", quantity=QTY[symbol][qty])
        except ApplicationError:
            pass  # too big for the wallet: fine, the others still trade
    return user


def past_the_line(user) -> list[str]:
    state = selectors.state_for_user(user=user)
    due = [
        risk.info.code
        for risk in state.isolated
        if f.isolated_liquidatable(
            isolated_margin=risk.position.isolated_margin, pnl=risk.unrealized_pnl, maintenance=risk.maintenance
        )
    ]
    return due + (["cross"] if state.cross_liquidatable else [])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(wallets=st.lists(WALLET, min_size=1, max_size=4), moves=st.lists(MOVE, min_size=1, max_size=4))
def test_a_tick_liquidates_every_wallet_past_the_line(thousand, wallets, moves):
    with transaction.atomic():
        for symbol, price in START.items():
            mark_price_set(symbol=symbol, price=price)
        users = [open_wallet(balance, positions) for balance, positions in wallets]
        futures_sweep()
        prices = dict(START)
        for move in moves:
            for symbol, factor in move.items():
                prices[symbol] = (prices[symbol] * factor).quantize(D("0.1"))
                mark_price_set(symbol=symbol, price=prices[symbol])
            futures_tick_sweep()
            for user in users:
                assert past_the_line(user) == [], f"{user.username} past the line after a tick at {prices}"
        assert futures_sweep().liquidations == [], "the full sweep found what the ticks had left"
        closed = list(FuturesLiquidation.objects.values_list("account_id", "symbol_id"))
        event(f"liquidations: {min(len(closed), 3)}{'+' if len(closed) > 3 else ''}")
        assert len(set(closed)) == len(closed), "a position liquidated twice"
        transaction.set_rollback(True)
