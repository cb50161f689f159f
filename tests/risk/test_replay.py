"""The explained replays (risk.replay) of the seed example: B's BCHUSDT liquidation and A's margin call,
with the levels of the seed's table on day N, N+2 and N+5 and what would have saved each, checked by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from core.errors import NotFound
from risk.models import Liquidation, MarginCall
from risk.replay import liquidation_replay_get, margin_call_replay_get, replay_data
from trading.models import MarginPoint


def levels_by_day(replay, start) -> dict[int, list]:
    """Each point's margin level under the day (N + k) it happened on."""
    days: dict[int, list] = {}
    for point in replay.points:
        days.setdefault((point.at - start) // timedelta(days=1), []).append(point.level)
    return days


def what_if(replay, key):
    return next(w for w in replay.what_ifs if w.key == key)


def test_every_money_movement_of_a_margin_account_records_its_level(seed_days):
    _, (a, b_eth, b_bch) = seed_days
    kinds = list(MarginPoint.objects.filter(account=a).order_by("id").values_list("kind", "margin_level"))
    # transfer in (no debt yet), the borrow, the two buys: each with the level after it.
    assert kinds == [("transfer", None), ("borrow", D("1.25")), ("trade", D("1.25")), ("trade", D("1.25"))]
    liquidated = MarginPoint.objects.filter(account=b_bch).order_by("id").last()
    assert (liquidated.kind, liquidated.margin_level, liquidated.debt_value) == ("liquidation", None, 0)


def test_bs_bch_liquidation_replay_shows_the_seed_table_and_what_would_have_saved_it(seed_days, bob):
    start, (a, b_eth, b_bch) = seed_days
    record = Liquidation.objects.get(account=b_bch)

    replay = liquidation_replay_get(user=bob, liquidation_id=record.pk)

    days = levels_by_day(replay, start)
    assert D("1.25") in days[0]  # day N: 5 BCH x 200 / 800
    assert D("1.0625") in days[2]  # day N+2: 5 x 170 / 800, the margin call
    assert replay.event.level == D("0.75") and days[5][-1] == D("0.75")  # day N+5: 5 x 120 / 800
    # It starts where the account was last safely NORMAL: the 200 USDT transferred in, no debt yet.
    assert replay.points[0].kind == "transfer" and replay.points[0].level is None
    assert replay.rule["line"] == D("1.05") and replay.rule["profile"] == "classic"
    assert [(s["side"], s["quantity"], s["price"]) for s in replay.sold] == [("SELL", D(5), D(120))]

    # By hand: liquidated at a level <= 1.05, so 5 x 120 + c > 1.05 x 800 = 840: c > 240, to the last unit.
    saved = what_if(replay, "collateral")
    assert saved.value == D("240.00000001")
    assert (D(600) + saved.value) / D(800) > D("1.05") >= (D(600) + D(240)) / D(800)
    assert "240.00000001 USDT" in saved.sentence
    # From 200, 5 BCH over 800 of debt reach 1.05 at 168 = 200 x (840 / 1000): a fall of 16 %.
    fall = what_if(replay, "largest_fall")
    assert fall.value == D("0.16") and "BCH 200 to 168" in fall.sentence
    # In cross with B's ETH account beside it: (5 x 220 + 5 x 120) / 1600 = 1.0625, a margin call only (user A).
    other = what_if(replay, "other_mode")
    assert other.value == D("1.0625") and "MARGIN_CALL" in other.sentence
    # At 3x: 333.33 of own funds, 666.67 owed: 600 / 666.67 = 0.9, still liquidated; at 2x 600 / 500 = 1.2.
    lower = what_if(replay, "lower_leverage")
    assert "at 3x" in lower.sentence and "0.9:" in lower.sentence and "at 2x" in lower.sentence
    assert lower.value == D(1000) / (D(200) + D(800) - D(600) / D("1.05"))  # below 2.33x it survives


def test_as_margin_call_replay_shows_the_same_for_the_cross_account(seed_days, alice):
    start, (a, _, _) = seed_days
    call = MarginCall.objects.get(account=a)

    replay = margin_call_replay_get(user=alice, margin_call_id=call.pk)

    days = levels_by_day(replay, start)
    assert D("1.25") in days[0]  # (5 x 200 + 5 x 200) / 1600
    assert days[2][-1] == D("1.25")  # (5 x 230 + 5 x 170) / 1600
    assert replay.event.level == D("1.0625") and days[5][-1] == D("1.0625")  # (5 x 220 + 5 x 120) / 1600
    assert replay.rule["line"] == D("1.1")
    # Never near the liquidation line: nothing needed. Split into isolated accounts it is user B again.
    assert what_if(replay, "collateral").value == 0
    other = what_if(replay, "other_mode")
    assert "BCHUSDT 0.75 LIQUIDATION" in other.sentence and "ETHUSDT 1.375 NORMAL" in other.sentence


def test_the_replay_is_built_from_stored_history_only(seed_days, clock, bob, set_prices):
    _, (_, _, b_bch) = seed_days
    record = Liquidation.objects.get(account=b_bch)
    before = replay_data(liquidation_replay_get(user=bob, liquidation_id=record.pk))

    clock["now"] += timedelta(days=1)
    set_prices(BCHUSDT=400, ETHUSDT=50)  # tomorrow's prices are not the story's

    assert replay_data(liquidation_replay_get(user=bob, liquidation_id=record.pk)) == before


@pytest.mark.parametrize("junk", ["0", "-1", "abc", None, "99999999"])
def test_another_users_or_an_unknown_replay_is_not_found(seed_days, alice, bob, junk):
    _, (a, _, b_bch) = seed_days
    with pytest.raises(NotFound):
        liquidation_replay_get(user=alice, liquidation_id=Liquidation.objects.get(account=b_bch).pk)
    with pytest.raises(NotFound):
        margin_call_replay_get(user=bob, margin_call_id=MarginCall.objects.get(account=a).pk)
    with pytest.raises(NotFound):
        liquidation_replay_get(user=bob, liquidation_id=junk)


# --- the API and the page -----------------------------------------------------------------------------


def test_the_replay_api_and_page(seed_days, alice, bob, client):
    from tests.api.api_helpers import API, assert_error, ok
    from tests.api.conftest import client_for

    _, (a, _, b_bch) = seed_days
    liquidation = Liquidation.objects.get(account=b_bch)
    call = MarginCall.objects.get(account=a)

    body = ok(client_for(bob).get(f"{API}/liquidations/{liquidation.pk}/replay"))
    assert body["kind"] == "liquidation" and body["rule"]["level"] == "0.75" and body["lines"]["liquidation"] == "1.05"
    assert [p["margin_level"] for p in body["timeline"]][-1] == "0.75"
    saved = {w["key"]: w for w in body["what_would_have_saved_it"]}
    assert saved["collateral"]["value"] == "240.00000001"
    assert body["sold"][0]["price"] == "120.00000000"
    assert ok(client_for(alice).get(f"{API}/margin-calls/{call.pk}/replay"))["rule"]["level"] == "1.0625"
    # Another user's replay is a 404, like an id that does not exist.
    assert_error(client_for(alice).get(f"{API}/liquidations/{liquidation.pk}/replay"), 404)
    assert_error(client_for(bob).get(f"{API}/margin-calls/{call.pk}/replay"), 404)
    assert_error(client_for(bob).get(f"{API}/liquidations/999999/replay"), 404)

    client.force_login(bob)
    page = client.get(f"/liquidations/{liquidation.pk}/replay")
    assert page.status_code == 200
    html = page.content.decode()
    assert "What would have saved it" in html and "240.00000001 USDT" in html and 'id="replay-chart"' in html
    # Linked from the notification and from the account's history.
    notice = bob.notifications.get(kind="liquidation")
    assert client.get(f"/notifications/{notice.pk}/replay").url == f"/liquidations/{liquidation.pk}/replay"
    assert f"/liquidations/{liquidation.pk}/replay" in client.get(f"/accounts/{b_bch.pk}/risk").content.decode()
    assert client.get(f"/margin-calls/{call.pk}/replay").status_code == 404
    client.force_login(alice)
    assert client.get(f"/liquidations/{liquidation.pk}/replay").status_code == 404
    assert client.get(f"/margin-calls/{call.pk}/replay").status_code == 200
