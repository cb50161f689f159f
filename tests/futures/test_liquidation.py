from decimal import Decimal as D

from django.db import connection

from accounts.models import Notification
from futures.fapi.selectors import algo_status
from futures.models import FuturesOrder, FuturesPosition, FuturesWarning, LeverageBracket
from futures.services.liquidation import futures_sweep, sweep_candidates
from futures.services.orders import futures_order_place
from futures.services.sweep import futures_tick_sweep
from futures.services.symbol_settings import futures_margin_type_set
from futures.services.wallet import TO_SPOT, futures_transfer_create
from futures.tasks import tick
from tests.futures.helpers import fund, usdt, wallet
from tests.helpers import assert_ledger_clean
from trading.models import Balance, SystemAccount


def test_warning_at_80_percent_once_per_episode(thousand, set_prices, settings):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    # margin ratio = 0.4 % x 0.1 x P / (1000 + 0.1 (P - 100,000)); 80 % at about 90,4xx
    set_prices(BTCUSDT=90500)  # 36.2 / 50 = 72.4 %
    assert futures_sweep().warnings == 0
    set_prices(BTCUSDT=90440)  # 36.176 / 44 = 82.2 %
    result = futures_sweep()
    assert (result.warnings, result.liquidations) == (1, [])
    assert Notification.objects.filter(
        user=thousand, kind="margin_call", title__startswith="Futures margin ratio 82.2"
    ).exists()
    assert futures_sweep().warnings == 0  # the same episode
    set_prices(BTCUSDT=95000)
    futures_sweep()
    assert FuturesWarning.objects.get().cleared
    set_prices(BTCUSDT=90440)
    assert futures_sweep().warnings == 1  # a new episode


def test_the_warning_line_is_configurable(thousand, set_prices, settings):
    settings.MARGINLAB_FUTURES_WARNING_RATIO = "0.5"
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    set_prices(BTCUSDT=90700)  # 36.28 / 70 = 51.8 %
    assert futures_sweep().warnings == 1


def test_open_orders_are_cancelled_first(thousand, set_prices):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.09")
    resting = futures_order_place(
        user=thousand, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="1000"
    )
    set_prices(ETHUSDT=2500)
    # A waiting algo stop and a triggered one (its limit rests in the engine): the liquidation removes both.
    waiting = futures_order_place(
        user=thousand, symbol="ETHUSDT", side="BUY", type="STOP_MARKET", quantity="0.1", stop_price="9000", algo=True
    )
    triggered = futures_order_place(
        user=thousand, symbol="ETHUSDT", side="BUY", type="STOP", quantity="0.1", price="2000", stop_price="2600",
        time_in_force="GTC", algo=True,
    )  # fmt: skip
    set_prices(ETHUSDT=2700)
    tick()
    triggered.refresh_from_db()
    assert triggered.triggered_at is not None and triggered.is_open
    set_prices(BTCUSDT=89000)
    (liquidation,) = futures_sweep().liquidations
    assert liquidation.orders_cancelled == 3
    # Binance expires the orders a liquidation removes (system cancels show EXPIRED), algo orders too:
    # https://dev.binance.vision/t/futures-limit-order-got-expired-whats-the-reason-could-be/802
    for order in (resting, waiting, triggered):
        order.refresh_from_db()
        assert (order.status, order.status_reason) == ("EXPIRED", "liquidation")
    assert (algo_status(waiting), algo_status(triggered)) == ("EXPIRED", "FINISHED")
    assert FuturesOrder.objects.filter(client_order_id__startswith="autoclose-", status="FILLED").count() == 1


def test_a_shortfall_beyond_the_fund_is_recorded_uncovered(thousand, set_prices):
    fund(thousand, 1000)
    futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")  # 500 margin
    fund_balance = Balance.objects.get(account__system_code=SystemAccount.INSURANCE_FUND, asset__code="USDT")
    _shrink_fund(fund_balance, D(100))  # a nearly empty fund
    set_prices(BTCUSDT=90000)  # loss 1,000 on 500 of margin: 500 short, the fund holds 100
    (liquidation,) = futures_sweep().liquidations
    assert (liquidation.shortfall, liquidation.uncovered) == (D(500), D(400))
    fund_balance.refresh_from_db()
    assert fund_balance.free == D(-400)
    assert usdt(thousand) == (D(500), 0)
    assert_ledger_clean()


def _shrink_fund(fund_balance, target):
    """Move the fund's money above ``target`` to paper funding, through the ledger."""
    from django.db import transaction

    from trading.models import JournalEntry
    from trading.services.ledger import Posting, ledger_post, system_balance

    fund_balance.refresh_from_db()
    with transaction.atomic():
        posting = Posting()
        paper = system_balance(SystemAccount.PAPER_FUNDING, fund_balance.asset)
        posting.move(fund_balance, paper, fund_balance.free - target)
        ledger_post(kind=JournalEntry.Kind.FUNDING, posting=posting, memo="test: shrink the insurance fund")


def test_candidates_come_from_one_query_and_a_symbol_scope(thousand, bob, set_prices, django_assert_num_queries):
    fund(thousand, 1000)
    fund(bob, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    futures_order_place(user=bob, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="4")
    set_prices(BTCUSDT=90450, ETHUSDT=2262)  # both past the warning line (80.4 %, 94.3 %), neither liquidated
    # The symbols, their brackets and marks, the USDT id; the wallets out of band, their valuation, each
    # in a savepoint (and, on PostgreSQL, with its settings): one query each, whatever the number of wallets.
    with django_assert_num_queries(12 if connection.vendor == "postgresql" else 10):
        everything = sweep_candidates()
    assert {kind for kind, _, _ in everything} == {"CROSSED"}
    assert len(everything) == 2
    result = futures_sweep()  # both warned, and banded at their marks
    assert (result.warnings, result.liquidations) == (2, [])
    set_prices(ETHUSDT="2261.99")
    only_eth = sweep_candidates(symbols=["ETHUSDT"])
    assert only_eth == [("CROSSED", wallet(bob).pk, None)]


def test_a_tick_values_only_the_wallets_of_moved_symbols_out_of_their_band(thousand, bob, set_prices):
    fund(thousand, 1000)
    fund(bob, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    futures_order_place(user=bob, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="0.4")
    assert futures_sweep().valued == 2  # no bands yet
    assert futures_sweep().valued == 0
    set_prices(BTCUSDT=101900)  # 1.9 %: inside the 2 % band
    assert futures_tick_sweep().valued == 0
    set_prices(BTCUSDT=102100)  # out of the band: thousand only
    assert futures_tick_sweep().valued == 1
    assert futures_tick_sweep().valued == 0  # banded again at 102,100
    FuturesPosition.objects.filter(account=wallet(bob)).update(band_low=D(2600))  # a band the mark left
    assert futures_tick_sweep().valued == 0, "ETH did not move: a tick does not look"
    assert futures_sweep().valued == 1, "the full sweep compares every position with its band"


def test_a_write_to_the_wallet_clears_its_bands(thousand, set_prices):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    futures_sweep()
    position = FuturesPosition.objects.get(account=wallet(thousand))
    assert (position.band_low, position.band_high) == (D(98000), D(102000))
    futures_transfer_create(user=thousand, type=TO_SPOT, amount="100")
    position.refresh_from_db()
    assert position.band_low is None and position.band_touched_at is not None
    assert futures_tick_sweep().valued == 1


def test_a_band_is_not_written_over_a_write_in_flight(thousand, settings):
    settings.MARGINLAB_LEDGER_GRACE_SECONDS = 60
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    assert futures_sweep().valued == 1
    assert FuturesPosition.objects.get(account=wallet(thousand)).band_low is None
    assert futures_sweep().valued == 1  # valued again until the write is older than the grace


def test_a_bracket_change_clears_every_band(thousand):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    futures_sweep()
    assert futures_sweep().valued == 0
    LeverageBracket.objects.filter(symbol__symbol="BTCUSDT", bracket=1).update(maint_margin_ratio=D("0.006"))
    assert futures_sweep().valued == 1


def test_a_watched_wallet_is_valued_on_any_move_of_its_symbols(thousand, set_prices):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    set_prices(BTCUSDT=91000)  # 36.4 / 100: under the line, but not 2 % away from it
    assert futures_sweep().candidates == 0
    position = FuturesPosition.objects.get(account=wallet(thousand))
    assert position.band_low == position.band_high == D(91000)
    set_prices(BTCUSDT=91000.1)
    assert futures_tick_sweep().valued == 1
