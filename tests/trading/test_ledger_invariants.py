"""Hypothesis: whatever two users do, in whatever order, the books stay sound.

A rule-based state machine runs random sequences of transfers, borrows, repayments, market, limit,
stop and OCO orders with random side effects, cancellations, price moves (with the matcher), market
depth changes (the fill model, FIXED or BOOK, and thin books that fill partly), leverage changes,
resets and the passing of hours on alice and bob. An ``ApplicationError`` from a step is bad luck (not enough money, a margin rule, a filter); anything
else fails the test. After every step:

- the ledger check is clean (every entry balances, every balance equals its journal);
- no user balance is negative;
- per asset, free + locked - borrowed - interest summed over every balance, system accounts included,
  is zero: paper money nets out;
- every account's locked bucket is exactly what its open orders hold, and a closed order holds nothing.

Each example runs inside a transaction that is rolled back at its end, so every example starts from
the same two freshly signed-up users.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.errors import ApplicationError
from tests.helpers import cross, spot
from trading import margin, selectors
from trading.models import OPEN_STATUSES as OPEN
from trading.models import Account, Balance, Bucket, LedgerLine, MarkPrice, Order, Pair, PairBook, PlatformSettings
from trading.services.accounts import account_leverage_set, account_reset, isolated_account_open
from trading.services.loans import interest_accrue_due, loan_borrow, loan_repay, max_borrowable_get
from trading.services.markets import mark_price_set
from trading.services.matching import orders_match
from trading.services.orders import oco_place, order_cancel, order_place
from trading.services.transfers import transfer_create

START = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


USERS = st.sampled_from(["alice", "bob"])
ACCOUNTS = st.sampled_from(["spot", "cross", "isolated"])
MARGIN_ACCOUNTS = st.sampled_from(["cross", "isolated"])
SYMBOLS = st.sampled_from(["ETHUSDT", "BTCUSDT"])
SIDES = st.sampled_from(["BUY", "SELL"])
SIDE_EFFECTS = st.sampled_from(["NO_SIDE_EFFECT", "MARGIN_BUY", "AUTO_REPAY", "AUTO_BORROW_REPAY"])
# A share of what is available; above 1 on purpose, so that "not enough" happens too.
FRACTIONS = st.sampled_from([D("0.01"), D("0.1"), D("0.25"), D("0.5"), D("0.9"), D("1"), D("1.5"), D("3")])
PRICE_FACTORS = st.sampled_from([D("0.5"), D("0.8"), D("0.95"), D("0.99"), D("1.01"), D("1.05"), D("1.2"), D("1.6")])

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def attempt(name: str, call):
    """Run one step: an ApplicationError is the step's bad luck; anything else propagates and fails.

    The outcomes show with ``--hypothesis-show-statistics``: a rule that never succeeds tests nothing.
    """
    try:
        result = call()
    except ApplicationError as exc:
        event(f"{name}: {exc.code}")
        return None
    event(f"{name}: ok")
    return result


# SQLite keeps decimals as floating point (15 significant digits), so the paper funding and lending pool
# balances (about 1e9) lose their last decimals there; PostgreSQL's NUMERIC is exact and gets no slack.
SQLITE_SLACK = D("1e-14")


def same(a: D, b: D, *, scale: D) -> bool:
    if connection.vendor != "sqlite":
        return a == b
    return abs(a - b) <= scale * SQLITE_SLACK


def part(total: D, fraction: D, step: D = margin.Q8) -> D:
    """``fraction`` of ``total`` rounded down to ``step``; a small positive amount when that is nothing."""
    amount = margin.round_down(total * fraction, step)
    return amount if amount > 0 else step * 10


class BooksMachine(RuleBasedStateMachine):
    users: dict = {}

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------------

    def account(self, user: str, kind: str) -> Account:
        return self.users[user][kind]

    def free(self, account: Account, asset: str) -> D:
        balance = Balance.objects.filter(account=account, asset__code=asset).first()
        return balance.free if balance else D(0)

    def mark(self, symbol: str) -> D:
        return MarkPrice.objects.get(pair__symbol=symbol).price

    def allowed(self, account: Account) -> list[str]:
        # An isolated ETHUSDT account holds only ETH and USDT.
        return ["USDT", "ETH"] if account.pair_id else ["USDT", "ETH", "BTC"]

    def symbol_for(self, account: Account, symbol: str) -> str:
        return account.pair.symbol if account.pair_id else symbol

    # --- money movements ----------------------------------------------------------------------------
    # Steps pick among what an account holds or owes (``pick`` is an index), so most of them can succeed.

    @rule(user=USERS, source=ACCOUNTS, hop=st.integers(1, 2), pick=st.integers(0, 2), fraction=FRACTIONS)
    def transfer(self, user, source, hop, pick, fraction):
        kinds = ["spot", "cross", "isolated"]
        src = self.account(user, source)
        dst = self.account(user, kinds[(kinds.index(source) + hop) % 3])
        movable = [a for a in self.allowed(src) if a in self.allowed(dst)]
        held = [a for a in movable if self.free(src, a) > 0] or movable
        asset = held[pick % len(held)]
        amount = part(self.free(src, asset), fraction)
        attempt(
            "transfer",
            lambda: transfer_create(
                user=src.user, from_account_id=src.pk, to_account_id=dst.pk, asset=asset, amount=str(amount)
            ),
        )

    @rule(user=USERS, kind=MARGIN_ACCOUNTS, pick=st.integers(0, 2), fraction=FRACTIONS)
    def borrow(self, user, kind, pick, fraction):
        account = self.account(user, kind)
        assets = self.allowed(account)
        asset = assets[pick % len(assets)]
        most = attempt(
            "max borrowable", lambda: max_borrowable_get(user=account.user, account_id=account.pk, asset=asset)
        ) or D(0)
        amount = part(most, fraction)
        attempt(
            "borrow",
            lambda: loan_borrow(user=account.user, account_id=account.pk, asset=asset, amount=amount, now=self.now),
        )

    @rule(user=USERS, kind=MARGIN_ACCOUNTS, pick=st.integers(0, 2), fraction=FRACTIONS)
    def repay(self, user, kind, pick, fraction):
        account = self.account(user, kind)
        balances = list(Balance.objects.filter(account=account).select_related("asset").order_by("asset__code"))
        owing = [b for b in balances if b.borrowed + b.interest > 0] or balances
        if not owing:
            return
        balance = owing[pick % len(owing)]
        amount = part(min(balance.borrowed + balance.interest, balance.free), fraction)
        attempt(
            "repay",
            lambda: loan_repay(
                user=account.user, account_id=account.pk, asset=balance.asset.code, amount=amount, now=self.now
            ),
        )

    # --- orders -------------------------------------------------------------------------------------

    def place(self, name: str, account: Account, **params):
        return attempt(name, lambda: order_place(user=account.user, account_id=account.pk, now=self.now, **params))

    def _quantity(self, account, symbol, side, fraction) -> D:
        pair = Pair.objects.get(symbol=symbol)
        if side == "BUY":
            available = self.free(account, "USDT") / self.mark(symbol)
        else:
            available = self.free(account, pair.base.code)
        return part(available, fraction, pair.step_size)

    @rule(
        user=USERS,
        kind=ACCOUNTS,
        symbol=SYMBOLS,
        side=SIDES,
        side_effect=SIDE_EFFECTS,
        fraction=FRACTIONS,
        by_quote=st.booleans(),
    )
    def market_order(self, user, kind, symbol, side, side_effect, fraction, by_quote):
        account = self.account(user, kind)
        symbol = self.symbol_for(account, symbol)
        side_effect = side_effect if account.is_margin else "NO_SIDE_EFFECT"
        quantity = self._quantity(account, symbol, side, fraction)
        size = (
            {"quote_quantity": str(part(quantity * self.mark(symbol), D(1), D("0.01")))}
            if by_quote
            else {"quantity": str(quantity)}
        )
        self.place(
            f"MARKET {side} {side_effect}",
            account,
            symbol=symbol,
            side=side,
            type="MARKET",
            side_effect=side_effect,
            **size,
        )

    @rule(
        user=USERS,
        kind=ACCOUNTS,
        symbol=SYMBOLS,
        side=SIDES,
        side_effect=SIDE_EFFECTS,
        fraction=FRACTIONS,
        factor=PRICE_FACTORS,
        type=st.sampled_from(["LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"]),
        time_in_force=st.sampled_from(["GTC", "IOC", "FOK"]),
    )
    def limit_order(self, user, kind, symbol, side, side_effect, fraction, factor, type, time_in_force):
        account = self.account(user, kind)
        symbol = self.symbol_for(account, symbol)
        pair = Pair.objects.get(symbol=symbol)
        side_effect = side_effect if account.is_margin else "NO_SIDE_EFFECT"
        price = margin.round_down(self.mark(symbol) * factor, pair.tick_size)
        params = {"price": str(price), "quantity": str(self._quantity(account, symbol, side, fraction))}
        if type != "LIMIT_MAKER":
            params["time_in_force"] = time_in_force
        if type in ("STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"):
            params["stop_price"] = str(price)
        self.place(
            f"{type} {side} {side_effect}",
            account,
            symbol=symbol,
            side=side,
            type=type,
            side_effect=side_effect,
            **params,
        )

    @rule(
        user=USERS,
        kind=ACCOUNTS,
        fraction=FRACTIONS,
        side_effect=SIDE_EFFECTS,
        width=st.sampled_from([D("0.02"), D("0.1"), D("0.3")]),
    )
    def oco_sell(self, user, kind, fraction, side_effect, width):
        account = self.account(user, kind)
        symbol = self.symbol_for(account, "ETHUSDT")
        pair = Pair.objects.get(symbol=symbol)
        mark = self.mark(symbol)
        side_effect = side_effect if account.is_margin else "NO_SIDE_EFFECT"
        attempt(
            "OCO",
            lambda: oco_place(
                user=account.user,
                account_id=account.pk,
                symbol=symbol,
                side="SELL",
                quantity=str(self._quantity(account, symbol, "SELL", fraction)),
                price=str(margin.round_down(mark * (1 + width), pair.tick_size)),
                stop_price=str(margin.round_down(mark * (1 - width), pair.tick_size)),
                stop_limit_price=str(margin.round_down(mark * (1 - width * 2), pair.tick_size)),
                side_effect=side_effect,
                now=self.now,
            ),
        )

    @rule(user=USERS, index=st.integers(min_value=0, max_value=5))
    def cancel(self, user, index):
        account_ids = [a.pk for a in self.users[user].values()]
        open_orders = list(Order.objects.filter(account_id__in=account_ids, status__in=OPEN).order_by("id"))
        if open_orders:
            order = open_orders[index % len(open_orders)]
            attempt("cancel", lambda: order_cancel(user=order.account.user, order_id=order.pk, now=self.now))

    # --- the market, the clock and the platform -----------------------------------------------------

    @rule(symbol=SYMBOLS, factor=PRICE_FACTORS)
    def price_moves(self, symbol, factor):
        pair = Pair.objects.get(symbol=symbol)
        price = max(pair.tick_size, margin.round_down(self.mark(symbol) * factor, pair.tick_size))
        mark_price_set(symbol=symbol, price=price, now=self.now)
        orders_match(pair=pair, now=self.now)

    @rule(hours=st.integers(min_value=1, max_value=48))
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)
        interest_accrue_due(now=self.now)

    @rule(depth=st.sampled_from([D(0), D(100), D(2000)]))
    def market_depth(self, depth):
        PlatformSettings.objects.filter(pk=1).update(max_fill_notional=depth)

    @rule(model=st.sampled_from(["BOOK", "FIXED"]))
    def fill_model(self, model):
        PlatformSettings.objects.filter(pk=1).update(fill_model=model)

    @rule(
        symbol=SYMBOLS,
        levels=st.integers(min_value=1, max_value=5),
        notional=st.sampled_from([D(20), D(300), D(5000), D(200000)]),
        noise=st.sampled_from([D(0), D("0.5")]),
    )
    def book_depth(self, symbol, levels, notional, noise):
        # A thin book makes market orders fill partly and resting orders share the touch.
        PairBook.objects.filter(pair__symbol=symbol).update(levels=levels, level_notional=notional, noise=noise)

    @rule(user=USERS, kind=MARGIN_ACCOUNTS, leverage=st.sampled_from([3, 5, 10]))
    def leverage(self, user, kind, leverage):
        account = self.account(user, kind)
        attempt("leverage", lambda: account_leverage_set(user=account.user, account_id=account.pk, leverage=leverage))

    @rule(user=USERS, kind=ACCOUNTS)
    def reset(self, user, kind):
        account = self.account(user, kind)
        attempt("reset", lambda: account_reset(user=account.user, account_id=account.pk))

    # --- what must always hold ----------------------------------------------------------------------

    @invariant()
    def ledger_is_clean(self):
        assert selectors.ledger_differences() == []

    @invariant()
    def balances_equal_their_lines(self):
        # The ledger check again, summed here in Python: an independent second opinion on its SQL.
        journal: dict[tuple[int, str], D] = {}
        for balance_id, bucket, amount in LedgerLine.objects.values_list("balance_id", "bucket", "amount"):
            journal[(balance_id, bucket)] = journal.get((balance_id, bucket), D(0)) + amount
        for b in Balance.objects.all():
            for bucket in Bucket.values:
                stored, expected = getattr(b, bucket), journal.get((b.pk, bucket), D(0))
                assert same(stored, expected, scale=max(abs(stored), abs(expected))), (b.pk, str(b), bucket)

    @invariant()
    def no_user_balance_is_negative(self):
        for b in Balance.objects.filter(is_system=False):
            assert min(b.free, b.locked, b.borrowed, b.interest) >= 0, b

    @invariant()
    def paper_money_nets_out(self):
        # Summed in Python: SQLite would add the columns up as floats.
        nets: dict[str, D] = {}
        sizes: dict[str, D] = {}
        for b in Balance.objects.select_related("asset"):
            code = b.asset.code
            nets[code] = nets.get(code, D(0)) + b.net
            sizes[code] = sizes.get(code, D(0)) + abs(b.free) + abs(b.locked) + abs(b.borrowed) + abs(b.interest)
        assert {code: net for code, net in nets.items() if not same(net, D(0), scale=sizes[code])} == {}

    @invariant()
    def locks_are_what_open_orders_hold(self):
        held: dict[tuple[int, str], D] = {}
        for order in Order.objects.filter(status__in=OPEN).select_related("pair__base", "pair__quote"):
            asset = order.pair.quote.code if order.side == Order.Side.BUY else order.pair.base.code
            held[(order.account_id, asset)] = held.get((order.account_id, asset), D(0)) + order.locked_amount
        locked = {
            (b.account_id, b.asset.code): b.locked
            for b in Balance.objects.filter(is_system=False).select_related("asset")
            if b.locked
        }
        assert {k: v for k, v in held.items() if v} == locked
        closed_holding = Order.objects.exclude(status__in=OPEN).exclude(locked_amount=0)
        assert list(closed_holding.values("id", "status", "locked_amount")) == []


@pytest.fixture
def cast(alice, bob, set_prices):
    set_prices(ETHUSDT="3500", BTCUSDT="95000")
    """Both users start with money, coins and debts in every account, so that most steps can do something."""
    users = {}
    for user in (alice, bob):
        accounts = {
            "spot": spot(user),
            "cross": cross(user),
            "isolated": isolated_account_open(user=user, symbol="ETHUSDT", leverage=5),
        }
        users[user.username] = accounts
        s, c, i = accounts["spot"], accounts["cross"], accounts["isolated"]
        transfer_create(user=user, from_account_id=s.pk, to_account_id=c.pk, asset="USDT", amount="3000")
        transfer_create(user=user, from_account_id=s.pk, to_account_id=i.pk, asset="USDT", amount="1000")
        for account, quantity in ((s, "0.5"), (c, "0.3"), (i, "0.1")):
            order_place(user=user, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity=quantity, now=START)
        order_place(user=user, account_id=c.pk, symbol="BTCUSDT", side="BUY", quantity="0.005", now=START)
        loan_borrow(user=user, account_id=c.pk, asset="USDT", amount="500", now=START)
        loan_borrow(user=user, account_id=c.pk, asset="BTC", amount="0.002", now=START)
        loan_borrow(user=user, account_id=i.pk, asset="ETH", amount="0.05", now=START)
    return users


def test_random_operations_keep_the_books(cast):
    machine = type("Books", (BooksMachine,), {"users": cast})
    run_state_machine_as_test(machine, settings=SETTINGS)


def test_a_reset_leaves_no_lock_on_the_orders_it_cancels(alice, set_prices):
    # The shortest sequence the machine above finds for "a closed order holds nothing".
    set_prices(ETHUSDT="3500")
    wallet = spot(alice)
    order = order_place(
        user=alice, account_id=wallet.pk, symbol="ETHUSDT", side="BUY", type="LIMIT", price="3000", quantity="0.1"
    )
    assert order.locked_amount == D(300)

    account_reset(user=alice, account_id=wallet.pk)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELED
    assert order.locked_amount == 0
    assert Balance.objects.get(account=wallet, asset__code="USDT").locked == 0
    assert selectors.ledger_differences() == []
