"""A class's own rules, chosen by its instructor at creation: the risk profile its accounts' margin levels
and liquidations follow, and its trading fees (the platform's where the class has none)."""

from decimal import Decimal as D

import pytest

from classrooms.services.classes import classroom_create, membership_join
from classrooms.services.scenarios import class_price_set
from classrooms.services.trading import member_order_place, member_transfer
from core.errors import ApplicationError
from risk.models import Liquidation, MarginCall
from tests.api.api_helpers import API, assert_error, ok
from tests.api.conftest import client_for
from tests.classrooms.helpers import class_account
from tests.helpers import assert_ledger_clean
from trading.models import AccountKind, Trade
from trading.services.accounts import account_leverage_set


def make_class(instructor, name, **rules):
    return classroom_create(
        instructor=instructor, name=name, starting_balance=D(1000), symbols=["ETHUSDT", "BCHUSDT"], **rules
    )


def cross_5x_long(member):
    """400 USDT of the member's in cross at 5x, 5 ETH bought at 200 with 600 borrowed: level 5p / 600."""
    cross = class_account(member, AccountKind.CROSS)
    account_leverage_set(user=member.holder, account_id=cross.pk, leverage=5)
    spot = class_account(member, AccountKind.SPOT)
    classroom_id = member.classroom_id
    member_transfer(
        user=member.student,
        classroom_id=classroom_id,
        from_account_id=spot.pk,
        to_account_id=cross.pk,
        asset="USDT",
        amount="400",
    )
    member_order_place(
        user=member.student,
        classroom_id=classroom_id,
        account_id=cross.pk,
        symbol="ETHUSDT",
        side="BUY",
        type="MARKET",
        quantity="5",
        side_effect="MARGIN_BUY",
    )
    return cross


def test_a_class_liquidates_at_its_own_profiles_line(dana, gina, erin, day_n):
    # The platform's profile is classic (cross 5x: call 1.1, liquidation 1.05); gina's class trades by
    # binance-2025 (cross 5x: call 1.16, liquidation 1.1).
    classic = make_class(dana, "Classic")
    binance = make_class(gina, "Binance lines", risk_profile="binance-2025")
    in_classic = membership_join(user=erin, code=classic.join_code)[0]
    in_binance = membership_join(user=erin, code=binance.join_code)[0]
    classic_cross, binance_cross = cross_5x_long(in_classic), cross_5x_long(in_binance)
    # ETH at 130: level 650 / 600 = 1.0833, between 1.05 and 1.1.
    class_price_set(user=dana, classroom_id=classic.pk, symbol="ETHUSDT", price="130")
    class_price_set(user=gina, classroom_id=binance.pk, symbol="ETHUSDT", price="130")
    assert not Liquidation.objects.filter(account=classic_cross).exists()
    call = MarginCall.objects.get(account=classic_cross)
    assert (call.profile, call.liquidation_ratio) == ("classic", D("1.05"))
    liquidation = Liquidation.objects.get(account=binance_cross)
    assert (liquidation.profile, liquidation.liquidation_ratio) == ("binance-2025", D("1.1"))
    assert liquidation.margin_level == D("1.083333333333333333")  # 650 / 600
    # The classic class liquidates at its line, 1.05: ETH at 126 is 1.05.
    class_price_set(user=dana, classroom_id=classic.pk, symbol="ETHUSDT", price="126")
    assert Liquidation.objects.get(account=classic_cross).profile == "classic"
    assert_ledger_clean()


def test_a_class_charges_its_own_fees(dana, erin, day_n):
    classroom = make_class(dana, "Fees", maker_fee="0.002", taker_fee="0.01")
    member = membership_join(user=erin, code=classroom.join_code)[0]
    spot = class_account(member, AccountKind.SPOT)
    order = member_order_place(
        user=erin,
        classroom_id=classroom.pk,
        account_id=spot.pk,
        symbol="ETHUSDT",
        side="BUY",
        type="MARKET",
        quantity="1",
    )
    trade = Trade.objects.get(order=order)
    assert trade.fee == D("0.01") and trade.fee_asset.code.endswith("ETH")  # 1 % of the ETH bought
    assert_ledger_clean()


def test_the_rules_are_given_at_creation_the_most_accepted_and_one_unit_more_refused(dana, day_n):
    dana_api = client_for(dana)
    body = {"name": "Rules", "starting_balance": "1000", "symbols": ["ETHUSDT"]}
    platform = ok(dana_api.post(f"{API}/classes", body, format="json"), 201)
    assert (platform["risk_profile"], platform["maker_fee"], platform["taker_fee"]) == ("classic", "0", "0")
    most = body | {"risk_profile": "binance-2025", "maker_fee": "0.01", "taker_fee": "0"}
    created = ok(dana_api.post(f"{API}/classes", most, format="json"), 201)
    assert (created["risk_profile"], created["maker_fee"], created["taker_fee"]) == ("binance-2025", "0.01", "0")
    assert_error(
        dana_api.post(f"{API}/classes", body | {"taker_fee": "0.01000001"}, format="json"), 400, field="taker_fee"
    )
    assert_error(dana_api.post(f"{API}/classes", body | {"maker_fee": "-0.001"}, format="json"), 400, field="maker_fee")
    assert_error(
        dana_api.post(f"{API}/classes", body | {"risk_profile": "reckless"}, format="json"), 400, "unknown_risk_profile"
    )
    with pytest.raises(ApplicationError):
        make_class(dana, "Float fee", taker_fee=0.001)
