"""The explained replay of a futures liquidation: the rule with the numbers of the moment, the timeline from
the last safe moment, what was closed, and what would have saved it, each checked by hand."""

from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from futures.models import FuturesLiquidation
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_order_place
from futures.services.position_margin import futures_position_margin_change
from futures.services.symbol_settings import futures_margin_type_set
from risk.replay.futures_build import futures_liquidation_replay_get
from tests.api.api_helpers import API, assert_error
from tests.futures import conftest as futures_cast
from tests.futures.helpers import fund

pytestmark = pytest.mark.django_db

# The futures floor's cast (prices, no fees or slippage, a 1,000 USDT user).
bands_at_once, fx, thousand = futures_cast.bands_at_once, futures_cast.fx, futures_cast.thousand


@pytest.fixture
def isolated_liquidation(thousand, set_prices):
    """1,000 USDT in; BTC isolated at 20x: 0.1 BTC at 100,000 locks 500. With the first bracket (MMR 0.4 %,
        no maintenance amount) it is liquidated when 500 + 0.1 (P - 100,000) <= 0.0004 P, at P <= 95,381.52; with
    10 more of margin, at P <= 95,281.12."""
    fund(thousand, 1000)
    futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    futures_position_margin_change(user=thousand, symbol="BTCUSDT", amount="10", type="ADD")
    set_prices(BTCUSDT=95200)  # 510 - 480 = 30 of margin balance, 9,520 x 0.4 % = 38.08 of maintenance
    (liquidation,) = futures_sweep().liquidations
    return liquidation


def test_the_rule_has_the_numbers_of_the_moment(isolated_liquidation, thousand):
    replay = futures_liquidation_replay_get(user=thousand, liquidation_id=isolated_liquidation.pk)
    rule = replay.rule
    assert (rule["margin_balance"], rule["maintenance"]) == (D(30), D("38.08"))
    assert rule["margin_ratio"] == D("38.08") / D(30)
    (bracket,) = rule["brackets"]
    assert (bracket["maint_margin_ratio"], bracket["maint_amount"], bracket["notional"]) == (D("0.004"), 0, D(9520))
    assert "126.93 %" in rule["sentence"]


def test_the_timeline_runs_from_the_last_safe_moment_to_the_event(isolated_liquidation, thousand):
    replay = futures_liquidation_replay_get(user=thousand, liquidation_id=isolated_liquidation.pk)
    kinds = [(p.source, p.kind) for p in replay.points]
    # the transfer in, the fill and the margin added were each safely under the warning line (80 %): the
    # last of them, the margin added, starts the story; the mark fell within the minute (no closed candle)
    assert kinds == [("action", "position_margin"), ("event", "liquidation")]
    added, event = replay.points
    risk = added.risk("BTCUSDT")
    assert (risk.position.isolated_margin, risk.mark_price) == (D(510), D(100000))
    assert added.ratio_of("BTCUSDT") == D(40) / D(510)  # 10,000 x 0.4 % / 510
    assert event.ratio_of("BTCUSDT") == D("38.08") / D(30)
    assert event.state.position("BTCUSDT").margin == isolated_liquidation.margin_balance
    (sold,) = replay.sold
    assert (sold["side"], sold["quantity"], sold["price"]) == ("SELL", D("0.1"), D(95200))
    assert replay.outcome["to_insurance_fund"] == D(30)  # the margin left over: 510 - 480


def test_what_would_have_saved_it(isolated_liquidation, thousand):
    replay = futures_liquidation_replay_get(user=thousand, liquidation_id=isolated_liquidation.pk)
    saved = {w.key: w for w in replay.what_ifs}
    # the worst mark is the event's: 30 of margin balance against 38.08; 8.08 more is AT the line (liquidated
    # there), one unit of 8 places more is above it
    assert saved["margin"].value == D("8.08000001")
    # largest move at the start (mark 100,000, margin 510): 510 + 0.1 (P - 100,000) = 0.0004 P -> P = 95,281.12..
    move = saved["largest_move"]
    lp = replay.points[0].risk("BTCUSDT").liquidation_price
    assert lp == D("95281.1")
    assert move.value == (D(100000) - lp) / D(100000)
    # lower leverage: at 10x, 1,000 of margin instead of 510: 1,000 - 480 = 520 above 38.08: survives
    assert saved["lower_leverage"].value == D(10)
    # cross: the 490 of cross wallet and the 510 of margin backing it: 1,000 - 480 = 520 against 38.08
    assert "not liquidated" in saved["other_mode"].sentence


def test_the_api_and_another_users_replay(isolated_liquidation, thousand, bob):
    api, other = APIClient(), APIClient()
    api.force_authenticate(thousand)
    other.force_authenticate(bob)
    url = f"{API}/futures/liquidations/{isolated_liquidation.pk}/replay"
    body = api.get(url).json()
    assert body["kind"] == "futures_liquidation" and body["margin_type"] == "ISOLATED"
    assert [p["kind"] for p in body["timeline"]][-1] == "liquidation"
    assert {w["key"] for w in body["what_would_have_saved_it"]} == {
        "margin",
        "largest_move",
        "other_mode",
        "lower_leverage",
    }
    assert api.get(url).json() == body  # the same tomorrow as today
    assert_error(other.get(url), 404)
    assert FuturesLiquidation.objects.count() == 1


@pytest.fixture
def cross_liquidation(thousand, set_prices):
    """1,000 USDT in; BTC cross at 20x: 0.1 BTC at 100,000. Liquidated when 1,000 + 0.1 (P - 100,000) <=
    0.0004 P, at P <= 90,361.44; the sweep warns at 90,440 first (82 %)."""
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    set_prices(BTCUSDT=90440)
    assert futures_sweep().warnings == 1
    set_prices(BTCUSDT=90300)  # 1,000 - 970 = 30 of margin balance, 9,030 x 0.4 % = 36.12 of maintenance
    (liquidation,) = futures_sweep().liquidations
    return liquidation


def test_a_cross_liquidation_explained(cross_liquidation, thousand):
    replay = futures_liquidation_replay_get(user=thousand, liquidation_id=cross_liquidation.pk)
    assert (replay.rule["margin_balance"], replay.rule["maintenance"]) == (D(30), D("36.12"))
    assert [p.kind for p in replay.points] == ["trade", "liquidation"]
    assert replay.points[0].ratio_of("BTCUSDT") == D(40) / D(1000)
    assert replay.event.state.cross_margin_balance == D(30)
    saved = {w.key: w for w in replay.what_ifs}
    # 36.12 - 30 = 6.12 more in the cross wallet is at the line; one unit more is above it
    assert saved["margin"].value == D("6.12000001")
    # at the start: 1,000 + 0.1 (P - 100,000) = 0.0004 P -> P = 9,000 / 0.0996 = 90,361.44.. (on the 0.1 tick)
    assert saved["largest_move"].value == (D(100000) - D("90361.4")) / D(100000)
    # cross leverage does not move the liquidation: no number, a sentence saying so
    assert saved["lower_leverage"].value is None and "same mark" in saved["lower_leverage"].sentence
    # isolated at 20x it would have held 500: 500 - 970 < 36.12, liquidated as well
    assert "BTCUSDT" in saved["other_mode"].sentence and "(liquidated)" in saved["other_mode"].sentence


def test_the_page_and_the_notification_link(cross_liquidation, thousand, client):
    from accounts.models import Notification

    client.force_login(thousand)
    page = client.get(f"/futures/liquidations/{cross_liquidation.pk}/replay")
    assert page.status_code == 200
    assert b"What would have saved it" in page.content and b"6.12000001" in page.content
    notice = Notification.objects.get(user=thousand, kind="liquidation")
    found = client.get(f"/notifications/{notice.pk}/replay")
    assert found.status_code == 302 and found.url == f"/futures/liquidations/{cross_liquidation.pk}/replay"
    assert b"Why? Replay it" in client.get("/futures/BTCUSDT/").content


def test_another_users_page_is_a_404(cross_liquidation, bob, client):
    client.force_login(bob)
    assert client.get(f"/futures/liquidations/{cross_liquidation.pk}/replay").status_code == 404


def test_the_marks_of_the_closed_candles_between_actions(thousand, set_prices):
    """The fill ten minutes ago, the index's candles since (95,000, then 90,400), the liquidation now: the
    timeline starts at the last moment under the warning line (80 %) and shows each closed candle's mark."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from futures.models import FuturesTrade, Income
    from trading.models import JournalEntry
    from trading.services.markets import mark_price_set

    wallet = fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    now = timezone.now()
    back = timedelta(minutes=10)
    JournalEntry.objects.filter(account=wallet).update(created_at=F("created_at") - back)
    FuturesTrade.objects.filter(account=wallet).update(created_at=F("created_at") - back)
    Income.objects.filter(account=wallet).update(time=F("time") - back)
    mark_price_set(symbol="BTCUSDT", price=D(95000), now=now - timedelta(minutes=5))  # 38 / 500: 7.6 %
    mark_price_set(symbol="BTCUSDT", price=D(90400), now=now - timedelta(minutes=3))  # 36.16 / 40: 90.4 %
    set_prices(BTCUSDT=90300)
    (liquidation,) = futures_sweep().liquidations
    replay = futures_liquidation_replay_get(user=thousand, liquidation_id=liquidation.pk)
    assert [(p.source, p.marks.get("BTCUSDT")) for p in replay.points] == [
        ("price", D(95000)),
        ("price", D(90400)),
        ("event", D(90300)),
    ]
    assert [p.ratio_of("BTCUSDT") for p in replay.points] == [D(38) / D(500), D("36.16") / D(40), D("36.12") / D(30)]
    saved = {w.key: w for w in replay.what_ifs}
    assert saved["largest_move"].value == (D(95000) - D("90361.4")) / D(95000)  # from the start's mark
    assert saved["margin"].value == D("6.12000001")


def test_with_more_candles_than_a_replay_shows_it_keeps_the_last_ones(thousand, set_prices, monkeypatch):
    """The candles a replay keeps (``MAX_POINTS`` a symbol) are the ones just before the liquidation, not the
    first ones of its 90-day window: the mark's fall that liquidated is what the replay is for."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from futures.models import FuturesTrade, Income
    from risk.replay import futures_timeline
    from trading.models import JournalEntry
    from trading.services.markets import mark_price_set

    monkeypatch.setattr(futures_timeline, "MAX_POINTS", 2)
    wallet = fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    now = timezone.now()
    back = timedelta(minutes=10)
    JournalEntry.objects.filter(account=wallet).update(created_at=F("created_at") - back)
    FuturesTrade.objects.filter(account=wallet).update(created_at=F("created_at") - back)
    Income.objects.filter(account=wallet).update(time=F("time") - back)
    for minutes in (9, 8):  # two older candles at the fill's mark: nothing moved
        mark_price_set(symbol="BTCUSDT", price=D(100000), now=now - timedelta(minutes=minutes))
    mark_price_set(symbol="BTCUSDT", price=D(95000), now=now - timedelta(minutes=5))
    mark_price_set(symbol="BTCUSDT", price=D(90400), now=now - timedelta(minutes=3))
    set_prices(BTCUSDT=90300)
    (liquidation,) = futures_sweep().liquidations

    replay = futures_liquidation_replay_get(user=thousand, liquidation_id=liquidation.pk)
    assert [(p.source, p.marks.get("BTCUSDT")) for p in replay.points] == [
        ("price", D(95000)),
        ("price", D(90400)),
        ("event", D(90300)),
    ]


@pytest.mark.parametrize("fundings", [1, 3])
def test_a_replay_reads_the_funding_marks_in_one_query_and_only_held_symbols_candles(thousand, set_prices, fundings):
    """However many funding entries the wallet has, the replay's queries stay the same: the funding marks come
    in one query, and candles are read only for the symbols the wallet held (here BTC, of four)."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from futures.services.funding import futures_funding_apply

    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    now = timezone.now()
    for i in range(fundings):
        set_prices(BTCUSDT=99000 - 1000 * i)
        futures_funding_apply(now=now - timedelta(hours=8 * (fundings - 1 - i)))
    set_prices(BTCUSDT=90300)
    (liquidation,) = futures_sweep().liquidations

    with CaptureQueriesContext(connection) as queries:
        replay = futures_liquidation_replay_get(user=thousand, liquidation_id=liquidation.pk)
    assert [p.kind for p in replay.points][-2:] == ["funding_fee", "liquidation"]
    assert replay.points[-2].marks["BTCUSDT"] == 99000 - 1000 * (fundings - 1)  # the last funding's mark
    assert len(queries) == 12, [q["sql"] for q in queries]  # was 22 with one funding entry, 26 with three
