"""Hypothesis: whatever alice and bob do on futures, the books stay sound.

A rule-based state machine runs random transfers, margin-type and leverage changes, market, limit and
reduce-only orders, isolated margin moves, price moves (with the matcher), funding intervals and
sweeps. A ``FuturesError`` (any ``ApplicationError``) is bad luck; anything else fails. After every step:

- the ledger check is clean (every entry balances, every balance equals its journal);
- no user balance is negative, and a wallet's locked bucket is exactly its isolated positions' margin;
- every liquidation that needed more than the margin has its insurance-fund record (INSURANCE_CLEAR);
- no position was liquidated twice: a sweep right after a sweep liquidates nothing, and each
  liquidation closed a position that was open.

Each example runs inside a transaction rolled back at its end.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.errors import ApplicationError
from futures.models import FuturesLiquidation, FuturesPosition, Income
from futures.services.funding import futures_funding_apply
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_order_place, futures_orders_match
from futures.services.position_margin import futures_position_margin_change
from futures.services.symbol_settings import futures_leverage_set, futures_margin_type_set
from futures.services.wallet import TO_FUTURES, TO_SPOT, futures_transfer_create
from trading import selectors
from trading.models import Balance, MarkPrice
from trading.services.markets import mark_price_set

START = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
USERS = st.sampled_from(["alice", "bob"])
SYMBOLS = st.sampled_from(["BTCUSDT", "ETHUSDT"])
SIDES = st.sampled_from(["BUY", "SELL"])
QTY = {"BTCUSDT": st.sampled_from(["0.001", "0.01", "0.05", "0.2"]), "ETHUSDT": st.sampled_from(["0.01", "0.5", "3"])}
FACTORS = st.sampled_from([D("0.5"), D("0.85"), D("0.95"), D("0.99"), D("1.01"), D("1.05"), D("1.2"), D("1.8")])

SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def attempt(call):
    try:
        result = call()
    except ApplicationError as error:
        event(f"refused: {error.code}")
        return None
    event("done")
    return result


class FuturesBooks(RuleBasedStateMachine):
    users: dict = {}

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize(isolated=st.booleans())
    def fund_and_open(self, isolated):
        """Both start with 2,000 in futures and a leveraged BTC position (alice long, bob short)."""
        for name, side in (("alice", "BUY"), ("bob", "SELL")):
            user = self.users[name]
            futures_transfer_create(user=user, type=TO_FUTURES, amount="2000")
            if isolated:
                futures_margin_type_set(user=user, symbol="BTCUSDT", margin_type="ISOLATED")
            futures_order_place(user=user, symbol="BTCUSDT", side=side, type="MARKET", quantity="0.2")

    @rule(user=USERS, amount=st.sampled_from(["10", "100", "500", "2000"]), into=st.booleans())
    def transfer(self, user, amount, into):
        kind = TO_FUTURES if into else TO_SPOT
        attempt(lambda: futures_transfer_create(user=self.users[user], type=kind, amount=amount))

    @rule(user=USERS, symbol=SYMBOLS, isolated=st.booleans(), leverage=st.sampled_from([1, 5, 20, 50, 125]))
    def change_settings(self, user, symbol, isolated, leverage):
        kind = "ISOLATED" if isolated else "CROSSED"
        attempt(lambda: futures_margin_type_set(user=self.users[user], symbol=symbol, margin_type=kind))
        attempt(lambda: futures_leverage_set(user=self.users[user], symbol=symbol, leverage=leverage))

    @rule(user=USERS, symbol=SYMBOLS, side=SIDES, data=st.data(), reduce_only=st.booleans())
    def market(self, user, symbol, side, data, reduce_only):
        qty = data.draw(QTY[symbol])
        attempt(
            lambda: futures_order_place(
                user=self.users[user], symbol=symbol, side=side, type="MARKET", quantity=qty, reduce_only=reduce_only
            )
        )

    @rule(user=USERS, symbol=SYMBOLS, side=SIDES, data=st.data(), offset=st.sampled_from([D("0.97"), D("1.03")]))
    def limit(self, user, symbol, side, data, offset):
        qty = data.draw(QTY[symbol])
        mark = MarkPrice.objects.get(pair__symbol=symbol).price
        price = (mark * offset).quantize(D("0.1"))
        attempt(
            lambda: futures_order_place(
                user=self.users[user], symbol=symbol, side=side, type="LIMIT", quantity=qty, price=str(price)
            )
        )

    @rule(user=USERS, symbol=SYMBOLS, amount=st.sampled_from(["1", "20", "100"]), add=st.booleans())
    def isolated_margin(self, user, symbol, amount, add):
        attempt(
            lambda: futures_position_margin_change(
                user=self.users[user], symbol=symbol, amount=amount, type="1" if add else "2"
            )
        )

    @rule(symbol=SYMBOLS, factor=FACTORS)
    def move(self, symbol, factor):
        mark = MarkPrice.objects.get(pair__symbol=symbol).price
        mark_price_set(symbol=symbol, price=(mark * factor).quantize(D("0.01")), now=self.now)
        futures_orders_match(symbols=[symbol])

    @rule()
    def funding(self):
        self.now += timedelta(hours=8)
        futures_funding_apply(now=self.now)

    @rule()
    def sweep(self):
        open_before = set(FuturesPosition.objects.exclude(position_amt=0).values_list("id", flat=True))
        first = futures_sweep()
        for liquidation in first.liquidations:
            assert liquidation.positions_closed >= 1
            event(f"liquidation {liquidation.margin_type}{' with shortfall' if liquidation.shortfall else ''}")
        assert futures_sweep().liquidations == [], "a wallet was liquidated twice"
        assert open_before or not first.liquidations

    @invariant()
    def books_are_sound(self):
        assert selectors.ledger_differences() == []
        assert not Balance.objects.filter(is_system=False, free__lt=0).exists()
        for balance in Balance.objects.filter(account__kind="futures"):
            margin = FuturesPosition.objects.filter(account=balance.account).aggregate(m=Sum("isolated_margin"))["m"]
            assert balance.locked == (margin or 0)
        for liquidation in FuturesLiquidation.objects.filter(shortfall__gt=0):
            record = Income.objects.get(entry=liquidation.entry, income_type="INSURANCE_CLEAR")
            assert record.income == liquidation.shortfall


@pytest.fixture
def cast(fx, alice, bob):
    return {"alice": alice, "bob": bob}


def test_random_futures_operations_keep_the_books(cast):
    machine = type("Books", (FuturesBooks,), {"users": cast})
    run_state_machine_as_test(machine, settings=SETTINGS)
