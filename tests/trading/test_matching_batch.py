"""The matcher's batch (trading.services.matching.batch): many accounts' resting orders filled on one move.

Every filled order keeps its own trade, each account its own balanced journal entry and margin level, the
ledger stays clean, and the same move worked again fills nothing more. Chunks are made small here so that
one move spans several of them.
"""

import threading
import time
from decimal import Decimal as D

import pytest

from core.errors import ApplicationError, InsufficientBalance
from tests.helpers import amounts, assert_ledger_clean, cross, require_postgres, spot
from tests.trading.test_concurrency import assert_books_sound, run_together
from trading.models import JournalEntry, LedgerLine, MarginPoint, Order, OrderList, Pair, Trade
from trading.services.accounts import user_signup
from trading.services.markets import mark_price_set
from trading.services.matching import batch, orders_match, rules
from trading.services.orders import oco_place, order_cancel, order_place
from trading.services.transfers import transfer_create

ETH = "ETHUSDT"
QTY = D("0.5")


@pytest.fixture
def book(platform, zero_costs, set_prices, monkeypatch):
    """Six traders, each with resting buys on their cross account and on their spot wallet (prices 190..186),
    the first also with a resting sell of ETH it holds; a move to 180 reaches them all."""
    monkeypatch.setattr(batch, "CHUNK_ORDERS", 5)
    set_prices(ETHUSDT=200)
    traders = []
    for n in range(6):
        user = user_signup(username=f"trader{n}", password="a-long-password-42")
        account = cross(user)
        transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="2000")
        for wallet in (account, spot(user)):
            for k in range(3):
                price = D(190 - k - n % 3)
                order_place(
                    user=user, account_id=wallet.pk, symbol=ETH, side="BUY", type="LIMIT", quantity=QTY, price=price
                )
        traders.append((user, account))
    return traders


def move(price):
    mark_price_set(symbol=ETH, price=D(price))
    return orders_match(pair=Pair.objects.get(symbol=ETH))


def spent(account) -> D:
    return sum((o.price * o.quantity for o in Order.objects.filter(account=account, status="FILLED")), D(0))


def chunk_threads(monkeypatch) -> list[int]:
    """The thread each chunk of the moves to come was worked in."""
    threads: list[int] = []
    work = batch._chunk_work

    def recorded(by_account, ctx):
        threads.append(threading.get_ident())
        return work(by_account, ctx)

    monkeypatch.setattr(batch, "_chunk_work", recorded)
    return threads


def test_one_move_fills_every_account_and_order_with_its_own_records(book, monkeypatch):
    threads = chunk_threads(monkeypatch)
    one_move_fills_every_account_and_order_with_its_own_records(book)
    # Inside a transaction (the test's), no chunk may go to another connection: it would not see the orders.
    assert len(threads) > 1 and set(threads) == {threading.get_ident()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_second_thread_works_every_other_chunk_with_the_same_records(book, monkeypatch):
    require_postgres()
    monkeypatch.setattr(batch, "WORKERS", 2)
    threads = chunk_threads(monkeypatch)
    one_move_fills_every_account_and_order_with_its_own_records(book)
    assert len(set(threads)) == 2 and len(threads) > 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chunk_that_fails_in_the_second_thread_fails_the_move_and_keeps_the_ledger_clean(book, monkeypatch):
    require_postgres()
    monkeypatch.setattr(batch, "WORKERS", 2)
    main, write = threading.get_ident(), batch._write

    def failing_elsewhere(done, ctx):
        if threading.get_ident() != main:
            raise RuntimeError("the database went away")
        return write(done, ctx)

    monkeypatch.setattr(batch, "_write", failing_elsewhere)

    with pytest.raises(RuntimeError, match="went away"):
        move(180)

    assert Trade.objects.count() == Order.objects.filter(type="LIMIT", status="FILLED").count() > 0
    assert Order.objects.filter(type="LIMIT", status="NEW").exists()  # the failed chunks' orders wait
    assert_books_sound()


def one_move_fills_every_account_and_order_with_its_own_records(book):
    usdt_before = {acc.pk: amounts(acc, "USDT") for _, acc in book}
    entries_before = JournalEntry.objects.count()

    result = move(180)

    orders = list(Order.objects.filter(type="LIMIT"))
    assert result.filled == len(orders) == 36 and result.failed == 0
    for order in orders:
        assert order.status == Order.Status.FILLED and order.locked_amount == 0
        assert order.executed_qty == QTY and order.cummulative_quote_qty == order.price * QTY
        (trade,) = Trade.objects.filter(order=order)
        assert (trade.price, trade.quantity, trade.is_maker, trade.account_id) == (
            order.price,
            QTY,
            True,
            order.account_id,
        )
        assert trade.entry.kind == JournalEntry.Kind.TRADE and trade.entry.account_id == order.account_id
    # One entry per account (6 cross, 6 spot), each balanced with its own lines, and one margin level per cross one.
    entries = JournalEntry.objects.order_by("id")[entries_before:]
    assert len(entries) == 12 and len({e.account_id for e in entries}) == 12
    for entry in entries:
        # Its 3 fills' lines netted (``posting_netted``): its locked quote to the market, the market's base to its wallet.
        lines = LedgerLine.objects.filter(entry=entry)
        assert lines.count() == 4
        assert {(line.bucket, line.amount > 0) for line in lines if line.balance.account_id == entry.account_id} == {
            ("locked", False),
            ("free", True),
        }
    cross_entries = [e for e in entries if e.account.kind == "cross"]
    assert MarginPoint.objects.filter(entry__in=cross_entries).count() == 6
    for _, account in book:
        free, locked, borrowed, _ = amounts(account, "USDT")
        assert (free, locked, borrowed) == (
            usdt_before[account.pk][0] + usdt_before[account.pk][1] - spent(account),
            0,
            0,
        )
        assert amounts(account, "ETH")[0] == 3 * QTY
        point = MarginPoint.objects.get(entry__account=account, entry__in=cross_entries)
        assert point.holdings["ETH"][0] == f"{amounts(account, 'ETH')[0]}"
    assert_ledger_clean()


def test_the_same_move_worked_twice_fills_nothing_more(book):
    first = move(180)
    counts = (Trade.objects.count(), JournalEntry.objects.count(), LedgerLine.objects.count())

    again = orders_match(pair=Pair.objects.get(symbol=ETH), price=D(180))

    assert first.filled == 36 and (again.filled, again.triggered, again.failed) == (0, 0, 0)
    assert (Trade.objects.count(), JournalEntry.objects.count(), LedgerLine.objects.count()) == counts
    assert_ledger_clean()


def test_an_account_the_batch_cannot_fill_is_tried_alone_and_the_others_still_fill(book, monkeypatch):
    """An error while one account is worked in memory leaves it out of its chunk (nothing of it written);
    it is then worked in a transaction of its own, as before the batch."""
    _, unlucky = book[2]
    make, chunk_work = rules._make, batch._chunk_work
    in_batch = []

    def chunk_marked(*args, **kwargs):
        in_batch.append(True)
        try:
            return chunk_work(*args, **kwargs)
        finally:
            in_batch.pop()

    def failing_in_the_batch(op, order, share):
        if in_batch and order.account_id == unlucky.pk:
            raise InsufficientBalance("an account emptied by a race")
        return make(op, order, share)

    monkeypatch.setattr(batch, "_chunk_work", chunk_marked)
    monkeypatch.setattr(rules, "_make", failing_in_the_batch)

    result = move(180)

    assert result.filled == 36 and result.failed == 0
    assert not Order.objects.filter(type="LIMIT").exclude(status="FILLED").exists()
    assert JournalEntry.objects.filter(account=unlucky, kind=JournalEntry.Kind.TRADE).count() == 1
    assert_ledger_clean()


def test_oco_and_side_effect_accounts_in_the_same_move(book):
    """An OCO's limit leg filled in the batch cancels its stop leg; an account with a MARGIN_BUY order is
    worked alone (it may borrow), and both leave a clean ledger."""
    user, account = book[0]
    oco = oco_place(
        user=user,
        account_id=account.pk,
        symbol=ETH,
        side="BUY",
        quantity="1",
        price="185",
        stop_price="230",
        stop_limit_price="231",
    )
    borrower, margin_account = book[1]
    order_place(
        user=borrower,
        account_id=margin_account.pk,
        symbol=ETH,
        side="BUY",
        type="LIMIT",
        quantity="1",
        price="185",
        side_effect="MARGIN_BUY",
    )
    mark_price_set(symbol=ETH, price=D(180))

    result = orders_match(pair=Pair.objects.get(symbol=ETH))

    limit_leg, stop_leg = Order.objects.filter(order_list=oco).order_by("id")
    assert (limit_leg.status, stop_leg.status) == ("FILLED", "CANCELED")
    assert limit_leg.locked_amount == stop_leg.locked_amount == 0
    assert Trade.objects.get(order=limit_leg).price == D(185)
    assert OrderList.objects.get(pk=oco.pk).status == OrderList.Status.ALL_DONE
    assert Order.objects.get(account=margin_account, side_effect="MARGIN_BUY").status == "FILLED"
    assert result.filled == 36 + 2
    assert amounts(account, "USDT")[1] == 0  # no lock is left behind: not the OCO's, not the buys'
    assert_ledger_clean()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_move_matched_twice_at_once_with_a_cancel_racing_it(book, monkeypatch):
    """Two workers match the same move while a trader cancels: each order fills once or is cancelled,
    never both, never twice (each chunk re-reads its orders under its accounts' locks)."""
    require_postgres()
    write = batch._write

    def slow_write(done, ctx):
        time.sleep(0.2)  # hold the chunk's locks while the others pile up behind them
        return write(done, ctx)

    monkeypatch.setattr(batch, "_write", slow_write)
    user, account = book[3]
    raced = Order.objects.filter(account=account).order_by("id").first()
    mark_price_set(symbol=ETH, price=D(180))
    pair = Pair.objects.get(symbol=ETH)

    results = run_together(
        lambda: orders_match(pair=pair),
        lambda: orders_match(pair=pair),
        lambda: order_cancel(user=user, order_id=raced.pk),
    )

    (first, one), (second, other), (cancel, cancelled) = results
    assert (first, second) == ("ok", "ok")
    raced.refresh_from_db()
    if cancel == "error":  # the matcher won the race: the order was no longer open to cancel
        assert isinstance(cancelled, ApplicationError) and raced.status == "FILLED"
    else:
        assert raced.status == "CANCELED"
    orders = list(Order.objects.filter(type="LIMIT"))
    for order in orders:
        trades = Trade.objects.filter(order=order).count()
        assert (order.status, trades) in {("FILLED", 1), ("CANCELED", 0)}, order
    filled = sum(1 for o in orders if o.status == "FILLED")
    assert filled + sum(1 for o in orders if o.status == "CANCELED") == 36
    assert one.filled + other.filled == filled == Trade.objects.count()
    assert_books_sound()
