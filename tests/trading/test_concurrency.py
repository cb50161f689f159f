"""Races between services, on PostgreSQL (SQLite serialises every write, so it cannot show a race).

Each test starts its operations in threads released together by a barrier; every thread has its own
database connection and closes it at the end. The tests are transactional (threads only see committed
rows) with ``serialized_rollback``, so that the default listing from the migrations is back for the
next transactional test after the flush.

``slow_ledger`` makes every ledger write wait a moment first: each operation then holds its locks (or,
if a lock were missing, its stale reads) long enough for the others to pile up behind it, so a
missing ``select_for_update`` shows up as a double spend or a negative balance, not as luck.
"""

import sys
import threading
import time
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Q, QuerySet

import trading.services.orders  # noqa: F401 - loads every module that posts to the ledger
from core.errors import ApplicationError, Conflict, InsufficientBalance, MarginRuleViolation
from tests.helpers import PASSWORD, amounts, cross, require_postgres, spot
from trading import selectors
from trading.models import Account, AccountKind, Asset, Balance, LoanEvent, Order, SystemAccount, Trade, Transfer
from trading.services import ledger
from trading.services.accounts import account_leverage_set, isolated_account_open, user_signup
from trading.services.ledger import system_balance
from trading.services.loans import loan_borrow, max_borrowable_get
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREAD_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _postgres_only():
    # An autouse fixture runs before the cast is signed up, so a SQLite run skips at once.
    require_postgres()


@pytest.fixture
def slow_ledger(monkeypatch):
    original = ledger.ledger_post

    def slow(**kwargs):
        time.sleep(0.2)
        return original(**kwargs)

    # Every service module imports the function by name: patch it wherever it is.
    patched = [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("trading.services.") and getattr(module, "ledger_post", None) is original
    ]
    assert {"trading.services.transfers", "trading.services.loans", "trading.services.fills"} <= set(patched)
    for name in patched:
        monkeypatch.setattr(sys.modules[name], "ledger_post", slow)


@pytest.fixture
def slow_account_checks(monkeypatch):
    """Account existence checks and counts wait a moment: the gap between "is there one?" and "create" widens."""
    for method in ("exists", "count"):
        original = getattr(QuerySet, method)

        def slow(self, *, _original=original):
            if self.model is Account:
                time.sleep(0.2)
            return _original(self)

        monkeypatch.setattr(QuerySet, method, slow)


def run_together(*calls) -> list[tuple[str, object]]:
    """Run the calls in threads started together; ("ok", result) or ("error", exception) for each."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object] | None] = [None] * len(calls)

    def work(i, call):
        try:
            barrier.wait(timeout=THREAD_TIMEOUT)
            results[i] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - the test inspects every outcome
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting: deadlock or a lock never released"
    return results


def oks(results):
    return [value for outcome, value in results if outcome == "ok"]


def errors(results):
    return [value for outcome, value in results if outcome == "error"]


def assert_books_sound():
    assert selectors.ledger_differences() == []
    negative = Q(free__lt=0) | Q(locked__lt=0) | Q(borrowed__lt=0) | Q(interest__lt=0)
    assert not Balance.objects.filter(negative, is_system=False).exists()


def test_two_transfers_that_fit_alone_but_not_together(alice, slow_ledger):
    s, c = spot(alice), cross(alice)

    def move():
        return transfer_create(user=alice, from_account_id=s.pk, to_account_id=c.pk, asset="USDT", amount="6000")

    results = run_together(move, move)

    assert len(oks(results)) == 1, results
    [error] = errors(results)
    assert isinstance(error, InsufficientBalance), repr(error)
    assert Transfer.objects.count() == 1
    assert amounts(s, "USDT") == (D(4000), 0, 0, 0)
    assert amounts(c, "USDT") == (D(6000), 0, 0, 0)
    assert_books_sound()


def test_two_borrows_that_fit_alone_but_not_together(alice, slow_ledger):
    c = cross(alice)
    account_leverage_set(user=alice, account_id=c.pk, leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=c.pk, asset="USDT", amount="1000")
    # At 5x (initial 1.25) 1,000 USDT carries (1000 - 0) / 0.25 = 4,000 of debt: 2,500 fits, 5,000 does not.
    assert max_borrowable_get(user=alice, account_id=c.pk, asset="USDT") == D(4000)

    def borrow():
        return loan_borrow(user=alice, account_id=c.pk, asset="USDT", amount="2500")

    results = run_together(borrow, borrow)

    assert len(oks(results)) == 1, results
    [error] = errors(results)
    assert isinstance(error, MarginRuleViolation), repr(error)
    assert LoanEvent.objects.filter(kind=LoanEvent.Kind.BORROW).count() == 1
    free, _, borrowed, _ = amounts(c, "USDT")
    assert (free, borrowed) == (D(3500), D(2500))
    assert selectors.account_summary_get(account=c).margin_level >= D("1.25")
    assert_books_sound()


def test_a_transfer_out_races_an_order_for_the_same_cash(alice, slow_ledger):
    s, c = spot(alice), cross(alice)
    transfer_create(user=alice, from_account_id=s.pk, to_account_id=c.pk, asset="USDT", amount="1000")

    def transfer_out():
        return transfer_create(user=alice, from_account_id=c.pk, to_account_id=s.pk, asset="USDT", amount="600")

    def buy():
        return order_place(user=alice, account_id=c.pk, symbol="ETHUSDT", side="BUY", quote_quantity="600")

    results = run_together(transfer_out, buy)

    assert len(oks(results)) == 1, results
    [error] = errors(results)
    assert isinstance(error, InsufficientBalance), repr(error)
    assert Transfer.objects.filter(from_account=c).count() + Order.objects.count() == 1
    free = amounts(c, "USDT")[0]
    assert D(0) < free < D(401)  # 1,000 less one of the two ~600 spends, never both
    assert_books_sound()


def test_transfers_in_opposite_directions_do_not_deadlock(alice, slow_ledger):
    s, c = spot(alice), cross(alice)
    e = isolated_account_open(user=alice, symbol="ETHUSDT")
    transfer_create(user=alice, from_account_id=s.pk, to_account_id=c.pk, asset="USDT", amount="1000")
    transfer_create(user=alice, from_account_id=s.pk, to_account_id=e.pk, asset="USDT", amount="1000")

    def move(src, dst, amount):
        return lambda: transfer_create(
            user=alice, from_account_id=src.pk, to_account_id=dst.pk, asset="USDT", amount=amount
        )

    results = run_together(
        move(s, c, "100"),
        move(c, s, "10"),
        move(c, e, "1"),
        move(e, c, "900"),
        move(e, s, "0.5"),
        move(s, e, "0.25"),
    )

    assert errors(results) == []
    assert amounts(s, "USDT")[0] == D(8000) - 100 + 10 + D("0.5") - D("0.25")
    assert amounts(c, "USDT")[0] == D(1000) + 100 - 10 - 1 + 900
    assert amounts(e, "USDT")[0] == D(1000) + 1 - 900 - D("0.5") + D("0.25")
    assert_books_sound()


def test_many_users_trade_at_once(platform, slow_ledger):
    users = [user_signup(username=f"trader{i}", password=PASSWORD) for i in range(8)]
    # Half of them buy on margin, so the lending pool is shared too, not only the market and fee accounts.
    for user in users[1::2]:
        transfer_create(
            user=user, from_account_id=spot(user).pk, to_account_id=cross(user).pk, asset="USDT", amount="1000"
        )
    usdt, eth = Asset.objects.get(code="USDT"), Asset.objects.get(code="ETH")
    market_usdt, market_eth = system_balance(SystemAccount.MARKET, usdt), system_balance(SystemAccount.MARKET, eth)
    fees_eth = system_balance(SystemAccount.FEES, eth)
    pool_before = system_balance(SystemAccount.LENDING_POOL, usdt).free

    def buy(i, user):
        if i % 2 == 0:
            return lambda: order_place(
                user=user, account_id=spot(user).pk, symbol="ETHUSDT", side="BUY", quantity="0.1"
            )
        return lambda: order_place(
            user=user, account_id=cross(user).pk, symbol="ETHUSDT", side="BUY", quantity="0.5", side_effect="MARGIN_BUY"
        )

    results = run_together(*(buy(i, user) for i, user in enumerate(users)))

    assert errors(results) == []
    placed = oks(results)
    assert len(placed) == 8 and all(o.status == Order.Status.FILLED for o in placed)
    trades = list(Trade.objects.all())
    assert len(trades) == 8
    market_usdt.refresh_from_db()
    market_eth.refresh_from_db()
    fees_eth.refresh_from_db()
    assert market_usdt.free == sum(t.quote_quantity for t in trades)
    assert market_eth.free == -(4 * D("0.1") + 4 * D("0.5"))
    assert fees_eth.free == sum(t.fee for t in trades)
    lent = sum(o.borrowed_amount for o in placed)
    assert lent > 0
    assert system_balance(SystemAccount.LENDING_POOL, usdt).free == pool_before - lent
    for i, user in enumerate(users):
        account = spot(user) if i % 2 == 0 else cross(user)
        trade = Trade.objects.get(account=account)
        assert amounts(account, "ETH")[0] == trade.quantity - trade.fee
    assert_books_sound()


def test_two_openings_of_the_same_isolated_pair_make_one_account(alice, slow_account_checks):
    def open_eth():
        return isolated_account_open(user=alice, symbol="ETHUSDT")

    results = run_together(open_eth, open_eth)

    assert len(oks(results)) == 1, results
    [error] = errors(results)
    assert isinstance(error, Conflict), repr(error)
    assert Account.objects.filter(user=alice, kind=AccountKind.ISOLATED).count() == 1


def test_two_openings_cannot_pass_the_isolated_limit_together(alice, platform, slow_account_checks):
    platform.isolated_account_limit = 1
    platform.save()

    results = run_together(
        lambda: isolated_account_open(user=alice, symbol="ETHUSDT"),
        lambda: isolated_account_open(user=alice, symbol="BTCUSDT"),
    )

    assert len(oks(results)) == 1, results
    [error] = errors(results)
    assert isinstance(error, ApplicationError) and error.code == "isolated_limit", repr(error)
    assert Account.objects.filter(user=alice, kind=AccountKind.ISOLATED).count() == 1


def test_an_orders_first_statement_locks_the_account_before_its_balances(alice):
    """``own_account_lock`` takes the account row and every balance in one statement, in the order every
    other writer takes them (the account, then its balances by id): while it waits for a balance another
    transaction holds, it already holds the account, so nobody can lock the account and then wait for it."""
    from django.db import OperationalError, transaction

    from trading.services.ledger import own_account_lock

    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="10")
    first = Balance.objects.filter(account=account).order_by("id").first()
    holding, release, got = threading.Event(), threading.Event(), []

    def hold_the_balance():
        with transaction.atomic():
            Balance.objects.select_for_update().get(pk=first.pk)
            holding.set()
            release.wait(THREAD_TIMEOUT)
        return "released"

    def lock_the_account_and_balances():
        holding.wait(THREAD_TIMEOUT)
        with transaction.atomic():
            locked = own_account_lock(user=alice, account_id=account.pk)
            got.append(sorted(balance.pk for balance in locked.balances.values()))
        return "locked"

    def try_the_account():
        holding.wait(THREAD_TIMEOUT)
        time.sleep(0.5)  # the other one is waiting for the balance by now
        try:
            with transaction.atomic():
                Account.objects.select_for_update(nowait=True).get(pk=account.pk)
            return "account was free"
        except OperationalError:
            return "account was held"
        finally:
            release.set()

    results = run_together(hold_the_balance, lock_the_account_and_balances, try_the_account)

    assert results == [("ok", "released"), ("ok", "locked"), ("ok", "account was held")], results
    assert got == [sorted(Balance.objects.filter(account=account).values_list("pk", flat=True))]


def test_a_balance_made_while_the_order_waited_for_the_account_is_the_one_it_uses(alice, set_prices):
    """Two first orders of an account in a new asset at once. The first holds the account and makes the
    balance; the second's one statement (``own_account_lock``) waits for the account and then holds it,
    but saw the account's rows as they were when it started: not the balance the first one made. It must
    not make that balance again (a unique key violation, answered as a server error before), but take the
    one made: balances missing when the lock came are read again under it (``LockedAccount.with_assets``)."""
    from django.db import transaction

    from trading.services.ledger import own_account_lock

    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="10")
    eth = Asset.objects.get(code="ETH")
    made, waiting, used = threading.Event(), threading.Event(), []

    def make_the_balance():
        with transaction.atomic():
            locked = own_account_lock(user=alice, account_id=account.pk).with_assets([eth])
            made.set()
            waiting.wait(THREAD_TIMEOUT)
            time.sleep(0.5)  # the other is waiting for the account's row by now
            return locked.balances["ETH"].pk

    def wait_then_use_it():
        made.wait(THREAD_TIMEOUT)
        waiting.set()
        with transaction.atomic():
            locked = own_account_lock(user=alice, account_id=account.pk).with_assets([eth])
            used.append(locked.balances["ETH"].pk)
        return "used"

    results = run_together(make_the_balance, wait_then_use_it)

    assert [status for status, _ in results] == ["ok", "ok"], results
    assert used == [results[0][1]]  # the one balance the first order made
    assert Balance.objects.filter(account=account, asset=eth).count() == 1
