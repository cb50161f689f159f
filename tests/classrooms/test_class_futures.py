"""Futures in a class that allows them: the class's own perpetuals (copies of the main ones on its pairs),
a class futures wallet for each member, /fapi with a class key, and a scenario's funding spike paid in the
class only."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from classrooms.models import Scenario
from classrooms.services.classes import classroom_create, membership_join
from classrooms.services.scenarios import scenario_start, scenario_step
from core.errors import ApplicationError
from futures.models import FuturesPosition, FuturesSymbol, Income
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.binance.conftest import signed
from tests.classrooms.helpers import class_account
from tests.helpers import amounts, assert_ledger_clean, weights_of_this_test
from trading.models import Account, AccountKind

SPIKE = {"events": [{"type": "funding", "at": "0:30", "symbol": "ETHUSDT", "rate": "0.01"}]}


@pytest.fixture(autouse=True)
def _fresh_weights(monkeypatch):
    weights_of_this_test(monkeypatch)


@pytest.fixture
def futures_class(dana, day_n):
    FuturesSymbol.objects.update(basis_rate=D(0))  # the perpetuals' mark is the index
    return classroom_create(
        instructor=dana, name="Perps", starting_balance=D(1000), symbols=["ETHUSDT", "BCHUSDT"], futures=True
    )


def test_a_futures_class_has_its_own_perpetuals_and_each_member_a_class_wallet(client, futures_class, erin):
    member, _ = membership_join(user=erin, code=futures_class.join_code)
    copy = FuturesSymbol.objects.get(pair__class_pair__classroom=futures_class)
    source = FuturesSymbol.objects.get(symbol="ETHUSDT")
    assert copy.symbol == f"C{futures_class.pk}ETHUSDT" and copy.brackets.count() == source.brackets.count() > 0
    wallet = class_account(member, AccountKind.FUTURES)
    assert wallet.market_id == futures_class.market_id
    assert not Account.objects.filter(user=erin, kind=AccountKind.FUTURES).exists()  # no personal one made
    # The main /fapi listing has no class perpetual; a class key sees the class's, by Binance's name.
    assert copy.symbol not in {s["symbol"] for s in client.get("/fapi/v1/exchangeInfo").json()["symbols"]}
    key = client.post(
        f"/api/v1/classes/{futures_class.pk}/api-keys",
        {"can_trade": True},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {_token(erin)}",
    ).json()
    keys = (key["api_key"], key["secret"])
    listed = signed(client, "get", "/fapi/v1/exchangeInfo", keys).json()["symbols"]
    assert [s["symbol"] for s in listed] == ["ETHUSDT"]
    futures_transfer_create(user=member.holder, type=TO_FUTURES, amount="500")
    placed = signed(
        client, "post", "/fapi/v1/order", keys, {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}
    ).json()
    assert placed["symbol"] == "ETHUSDT" and placed["status"] == "FILLED", placed
    position = FuturesPosition.objects.get(account=wallet)
    assert position.symbol == copy and position.position_amt == 1 and position.entry_price == D(200)
    balance = signed(client, "get", "/fapi/v2/balance", keys).json()
    assert [b["asset"] for b in balance if D(b["balance"])] == ["USDT"]
    assert_ledger_clean()


def _token(user) -> str:
    from accounts.services import token_create

    return token_create(user=user, name="t")[1]


def test_a_funding_spike_is_paid_in_the_class_only(futures_class, dana, erin, alice, set_prices):
    member, _ = membership_join(user=erin, code=futures_class.join_code)
    futures_transfer_create(user=member.holder, type=TO_FUTURES, amount="500")
    futures_order_place(
        user=member.holder, symbol=f"C{futures_class.pk}ETHUSDT", side="BUY", type="MARKET", quantity="1"
    )
    # alice holds the main ETHUSDT perpetual: the class's spike is not hers.
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="500")
    futures_order_place(user=alice, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="1")
    alice_wallet = Account.objects.get(user=alice, kind=AccountKind.FUTURES)
    wallet = class_account(member, AccountKind.FUTURES)
    before, alice_before = amounts(wallet, "USDT"), amounts(alice_wallet, "USDT")
    Scenario.objects.create(slug="funding-spike", name="Funding spike", spec=SPIKE)
    run = scenario_start(user=dana, classroom_id=futures_class.pk, scenario="funding-spike", speed="1")
    scenario_step(run_id=run.pk, chain=run.chain, now=run.resumed_at + timedelta(seconds=10))
    assert not Income.objects.filter(income_type=Income.Type.FUNDING_FEE).exists()  # not yet: at 0:30
    scenario_step(run_id=run.pk, chain=run.chain, now=run.resumed_at + timedelta(seconds=31))
    scenario_step(run_id=run.pk, chain=run.chain, now=run.resumed_at + timedelta(seconds=32))  # once only
    paid = Income.objects.get(income_type=Income.Type.FUNDING_FEE)
    assert paid.account == wallet and paid.income == D("-2")  # the long pays 1 ETH x 200 x 1 %
    assert amounts(wallet, "USDT")[0] == before[0] - 2
    assert amounts(alice_wallet, "USDT") == alice_before
    assert_ledger_clean()


def test_a_funding_spike_needs_the_classs_perpetual(classroom, dana):
    Scenario.objects.create(slug="funding-spike", name="Funding spike", spec=SPIKE)
    with pytest.raises(ApplicationError) as refused:
        scenario_start(user=dana, classroom_id=classroom.pk, scenario="funding-spike")
    assert refused.value.code == "scenario_not_allowed"


@pytest.mark.parametrize(
    ("rate", "accepted"), [("0.03", True), ("0.03000001", False), ("-0.03", True), ("-0.03000001", False), ("0", False)]
)
def test_the_largest_funding_rate_is_accepted_and_one_unit_more_refused(rate, accepted):
    from classrooms.scenario import ScenarioError, spec_parse

    spec = {"events": [{"type": "funding", "at": 0, "symbol": "ETHUSDT", "rate": rate}]}
    if accepted:
        assert spec_parse(spec).fundings[0].rate == D(rate)
    else:
        with pytest.raises(ScenarioError):
            spec_parse(spec)
