"""/api/v1/classes: who may see and do what (an instructor only their classes, a member only their own
accounts and rank, anyone else 404), bad input refused with nothing changed, and the scenario controls."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from classrooms.models import Classroom, Membership, ScenarioRun
from classrooms.services.classes import classroom_create
from classrooms.services.scenarios import scenario_pause, scenario_resume, scenario_start, scenario_step
from tests.api.api_helpers import API, assert_error, ok, results
from tests.api.conftest import client_for
from tests.classrooms.helpers import class_account, seed_positions
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import AccountKind, Asset, MarkPrice, Pair


@pytest.fixture
def dana_api(dana):
    return client_for(dana)


@pytest.fixture
def erin_api(erin):
    return client_for(erin)


@pytest.fixture
def frank_api(frank):
    return client_for(frank)


@pytest.fixture
def gina_api(gina):
    return client_for(gina)


def test_an_instructor_creates_a_class_and_a_student_joins_it(dana_api, erin_api, erin, day_n):
    personal_before = amounts(spot(erin), "USDT")
    body = {"name": "Margin 101", "starting_balance": "2500", "symbols": ["ETHUSDT", "BCHUSDT"]}
    created = ok(dana_api.post(f"{API}/classes", body, format="json"), 201)
    assert created["role"] == "instructor" and len(created["join_code"]) == 8
    assert [p["symbol"] for p in created["pairs"]] == ["BCHUSDT", "ETHUSDT"]
    assert {p["price"] for p in created["pairs"]} == {"200.00000000"}
    joined = ok(erin_api.post(f"{API}/classes/join", {"code": created["join_code"]}, format="json"), 201)
    assert (joined["role"], joined["join_code"]) == ("member", None)
    ok(erin_api.post(f"{API}/classes/join", {"code": created["join_code"]}, format="json"), 200)
    accounts = results(erin_api.get(f"{API}/classes/{created['id']}/accounts"))
    assert sorted(a["kind"] for a in accounts) == ["cross", "spot"]
    spot_row = next(a for a in accounts if a["kind"] == "spot")
    assert spot_row["total_asset_value"] == "2500.00000000"
    # The personal accounts are not the class's and did not change.
    personal = {a["id"] for a in results(erin_api.get(f"{API}/accounts"))}
    assert personal.isdisjoint({a["id"] for a in accounts})
    assert amounts(spot(erin), "USDT") == personal_before


def test_a_student_cannot_create_a_class(erin_api, day_n):
    body = {"name": "Mine", "starting_balance": "100", "symbols": ["ETHUSDT"]}
    assert_error(erin_api.post(f"{API}/classes", body, format="json"), 403)
    assert not Classroom.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 5, "starting_balance": "100", "symbols": ["ETHUSDT"]}, "name"),
        ({"name": "x", "starting_balance": 1.5, "symbols": ["ETHUSDT"]}, "starting_balance"),
        ({"name": "x", "starting_balance": "1e3", "symbols": ["ETHUSDT"]}, "starting_balance"),
        ({"name": "x", "starting_balance": "100", "symbols": "ETHUSDT"}, "symbols"),
        ({"name": "x", "starting_balance": "100", "symbols": []}, "symbols"),
        ({"name": "x", "starting_balance": "100", "symbols": ["NOPE"]}, "symbols"),
        ({"name": "x", "starting_balance": "100", "symbols": [7]}, "symbols"),
    ],
)
def test_bad_class_input_is_400_and_changes_nothing(dana_api, day_n, body, field):
    assert_error(dana_api.post(f"{API}/classes", body, format="json"), 400, None, field)
    assert not Classroom.objects.exists() and not Pair.in_all_markets.filter(market__isnull=False).exists()


@pytest.mark.parametrize("code", ["", "x", "ZZZZZZZZ", "A" * 17, 12345678, None])
def test_a_bad_join_code_is_refused(erin_api, classroom, code):
    response = erin_api.post(f"{API}/classes/join", {"code": code}, format="json")
    assert response.status_code in (400, 404)
    assert_error(response, response.status_code)
    assert not Membership.objects.exists()


def test_an_instructor_sees_only_their_classes(dana_api, gina_api, classroom, other_classroom, members):
    assert [c["id"] for c in results(dana_api.get(f"{API}/classes"))] == [classroom.pk]
    assert [c["id"] for c in results(gina_api.get(f"{API}/classes"))] == [other_classroom.pk]
    for path in ["", "/board", "/scenario", "/accounts"]:
        assert_error(gina_api.get(f"{API}/classes/{classroom.pk}{path}"), 404)
    assert_error(gina_api.post(f"{API}/classes/{classroom.pk}/scenario/start", {"scenario": "flash-crash"}), 404)
    assert not ScenarioRun.objects.exists()


def test_the_board_shows_the_instructor_everyone_and_a_member_only_their_rank(dana_api, erin_api, members):
    seed_positions(*members)
    rows = results(dana_api.get(f"{API}/classes/{members[0].classroom_id}/board?sort=student&order=desc"))
    assert [r["student"] for r in rows] == ["frank", "erin"]
    assert {r["equity"] for r in rows} == {"1000.00000000"}
    mine = results(erin_api.get(f"{API}/classes/{members[0].classroom_id}/board"))
    assert [(r["student"], r["rank_by_return"]) for r in mine] == [("erin", 1)]
    for query, field in [("sort=nope", "sort"), ("order=sideways", "order"), ("sort=equity&order=", "order")]:
        assert_error(dana_api.get(f"{API}/classes/{members[0].classroom_id}/board?{query}"), 400, "invalid", field)


def test_a_student_cannot_touch_another_students_class_account(erin_api, frank_api, members):
    erin_m, frank_m = members
    classroom_id = erin_m.classroom_id
    frank_spot, frank_cross = class_account(frank_m, AccountKind.SPOT), class_account(frank_m, AccountKind.CROSS)
    transfer = {"from_account": frank_spot.pk, "to_account": frank_cross.pk, "asset": "USDT", "amount": "1"}
    assert_error(erin_api.post(f"{API}/classes/{classroom_id}/transfers", transfer, format="json"), 404)
    order = {
        "account": frank_cross.pk,
        "symbol": "ETHUSDT",
        "side": "BUY",
        "quantity": "1",
        "side_effect": "MARGIN_BUY",
    }
    assert_error(erin_api.post(f"{API}/classes/{classroom_id}/orders", order, format="json"), 404)
    assert amounts(frank_spot, "USDT") == (D(1000), 0, 0, 0)
    # A personal account is not a class account either, nor the other way round.
    own = {"from_account": spot(erin_m.student).pk, "to_account": class_account(erin_m, AccountKind.CROSS).pk}
    assert_error(erin_api.post(f"{API}/classes/{classroom_id}/transfers", own | {"asset": "USDT", "amount": "1"}), 404)
    personal = {"from_account": class_account(erin_m, AccountKind.SPOT).pk, "to_account": cross(erin_m.student).pk}
    assert_error(erin_api.post(f"{API}/transfers", personal | {"asset": "USDT", "amount": "1"}, format="json"), 404)
    assert_ledger_clean()


def test_a_student_cannot_run_a_scenario_or_set_a_price(erin_api, members):
    classroom_id = members[0].classroom_id
    assert_error(erin_api.post(f"{API}/classes/{classroom_id}/scenario/start", {"scenario": "flash-crash"}), 403)
    for action in ["pause", "resume", "stop"]:
        assert_error(erin_api.post(f"{API}/classes/{classroom_id}/scenario/{action}"), 403)
    assert_error(erin_api.post(f"{API}/classes/{classroom_id}/prices", {"symbol": "ETHUSDT", "price": "1"}), 403)
    assert not ScenarioRun.objects.exists()


def test_a_member_trades_in_the_class_at_its_prices(erin_api, dana_api, members):
    erin_m = members[0]
    classroom_id = erin_m.classroom_id
    ok(dana_api.post(f"{API}/classes/{classroom_id}/prices", {"symbol": "ETHUSDT", "price": "150"}, format="json"))
    spot_account = class_account(erin_m, AccountKind.SPOT)
    order = {"account": spot_account.pk, "symbol": "ETHUSDT", "side": "BUY", "quantity": "2"}
    placed = ok(erin_api.post(f"{API}/classes/{classroom_id}/orders", order, format="json"), 201)
    assert (placed["status"], placed["symbol"]) == ("FILLED", f"C{classroom_id}ETHUSDT")
    assert amounts(spot_account, "USDT")[0] == D(700)  # 2 x 150, fees at zero
    assert MarkPrice.objects.get(pair__symbol="ETHUSDT").price == D(200)  # the main market did not move
    iso = ok(
        erin_api.post(f"{API}/classes/{classroom_id}/accounts/isolated", {"symbol": "BCHUSDT"}, format="json"), 201
    )
    assert iso["symbol"] == f"C{classroom_id}BCHUSDT"
    assert_ledger_clean()


def test_scenario_controls_start_pause_resume_stop(dana_api, classroom, members):
    path = f"{API}/classes/{classroom.pk}/scenario"
    assert_error(dana_api.get(path), 404)
    assert_error(dana_api.post(f"{path}/pause"), 409)
    run = ok(dana_api.post(f"{path}/start", {"scenario": "seed-eth-bch", "speed": "86400"}, format="json"), 201)
    assert run["state"] == "running"
    assert_error(dana_api.post(f"{path}/start", {"scenario": "seed-eth-bch"}, format="json"), 409)
    assert_error(dana_api.post(f"{path}/resume"), 409)
    ok(dana_api.post(f"{path}/pause"))
    assert_error(dana_api.post(f"{path}/pause"), 409)
    ok(dana_api.post(f"{path}/resume"))
    stopped = ok(dana_api.post(f"{path}/stop"))
    assert stopped["state"] == "stopped"
    ok(dana_api.post(f"{path}/start", {"scenario": "seed-eth-bch"}, format="json"), 201)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenario": "nope"}, "scenario"),
        ({"scenario": 5}, "scenario"),
        ({"scenario": "seed-eth-bch", "speed": "0"}, "speed"),
        ({"scenario": "seed-eth-bch", "speed": "1000000.001"}, "speed"),
        ({"scenario": "seed-eth-bch", "speed": "fast"}, "speed"),
    ],
)
def test_a_bad_start_is_refused(dana_api, classroom, body, field):
    response = dana_api.post(f"{API}/classes/{classroom.pk}/scenario/start", body, format="json")
    assert response.status_code in (400, 404)
    assert_error(response, response.status_code, None, field)
    assert not ScenarioRun.objects.exists()


def test_the_fastest_speed_is_accepted(dana_api, classroom):
    body = {"scenario": "seed-eth-bch", "speed": "1000000"}
    assert (
        ok(dana_api.post(f"{API}/classes/{classroom.pk}/scenario/start", body, format="json"), 201)["speed"]
        == "1000000.000"
    )


def test_a_scenario_of_pairs_the_class_lacks_is_refused(dana, dana_api, day_n):
    classroom = classroom_create(instructor=dana, name="BTC only", starting_balance="100", symbols=["BTCUSDT"])
    body = {"scenario": "seed-eth-bch"}
    assert_error(dana_api.post(f"{API}/classes/{classroom.pk}/scenario/start", body, format="json"), 400)


def test_steps_follow_scenario_time_and_a_pause_holds_it(dana, classroom, members):
    run = scenario_start(user=dana, classroom_id=classroom.pk, scenario="seed-eth-bch", speed="86400")
    eth = MarkPrice.objects.filter(pair__class_pair__classroom=classroom, pair__class_pair__source__symbol="ETHUSDT")
    start = run.resumed_at
    assert scenario_step(run_id=run.pk, chain=run.chain, now=start + timedelta(seconds=2.5)).moved == 2  # day N+2
    assert eth.get().price == D(230)
    # The same step delivered twice, or a step of an old chain, does nothing.
    assert not scenario_step(run_id=run.pk, chain=run.chain + 1, now=start + timedelta(seconds=5)).ran
    run = scenario_pause(user=dana, classroom_id=classroom.pk)
    assert run.state == ScenarioRun.State.PAUSED and run.elapsed > 0
    assert not scenario_step(run_id=run.pk, chain=run.chain, now=timezone.now() + timedelta(days=1)).ran
    run = scenario_resume(user=dana, classroom_id=classroom.pk)
    result = scenario_step(run_id=run.pk, chain=run.chain, now=run.resumed_at + timedelta(seconds=10))
    assert (result.ran, result.again) == (True, False)
    run.refresh_from_db()
    assert run.state == ScenarioRun.State.FINISHED
    assert eth.get().price == D(220)
    assert MarkPrice.objects.get(pair__symbol="ETHUSDT").price == D(200)
    assert_ledger_clean()


def test_the_flash_crash_raises_the_class_borrow_rate_only(dana, day_n):
    btc_class = classroom_create(instructor=dana, name="BTC", starting_balance="100", symbols=["BTCUSDT", "ETHUSDT"])
    run = scenario_start(user=dana, classroom_id=btc_class.pk, scenario="flash-crash")
    scenario_step(run_id=run.pk, chain=run.chain, now=run.resumed_at + timedelta(minutes=3, seconds=30))
    assert Asset.in_all_markets.get(code=f"C{btc_class.pk}BTC").daily_interest_rate == D("0.002")
    assert Asset.objects.get(code="BTC").daily_interest_rate == D(0)  # zero_costs; the main rate did not move
    btc = MarkPrice.objects.get(pair__symbol=f"C{btc_class.pk}BTCUSDT").price
    main_btc = MarkPrice.objects.get(pair__symbol="BTCUSDT").price
    assert btc == (main_btc * (1 - D("0.12") * D("0.5"))).quantize(D("0.01"))  # half-way down the -12 %
