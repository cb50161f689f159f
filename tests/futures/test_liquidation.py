from decimal import Decimal as D

from accounts.models import Notification
from futures.models import FuturesOrder, FuturesWarning
from futures.services.liquidation import futures_sweep, sweep_candidates
from futures.services.orders import futures_order_place
from futures.services.symbol_settings import futures_margin_type_set
from tests.futures.helpers import fund, usdt
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
    set_prices(BTCUSDT=89000)
    (liquidation,) = futures_sweep().liquidations
    assert liquidation.orders_cancelled == 1
    resting.refresh_from_db()
    assert (resting.status, resting.status_reason) == ("CANCELED", "liquidation")
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
    set_prices(BTCUSDT=90000, ETHUSDT=2260)
    with django_assert_num_queries(2):  # the USDT id, the valuation
        everything = sweep_candidates()
    assert {kind for kind, _, _ in everything} == {"CROSSED"}
    assert len(everything) == 2
    only_eth = sweep_candidates(symbols=["ETHUSDT"])
    assert len(only_eth) == 1
