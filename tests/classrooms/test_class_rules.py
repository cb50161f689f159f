"""A class's own rules, chosen by its instructor at creation: the risk profile its accounts' margin levels
and liquidations follow (an isolated account's with its pair's borrow tiers, copied from the main pair), and
its trading fees (the platform's where the class has none)."""

from decimal import Decimal as D

import pytest

from classrooms.services.classes import classroom_create, membership_join
from classrooms.services.scenarios import class_price_set
from classrooms.services.trading import member_isolated_open, member_loan, member_order_place, member_transfer
from core.errors import ApplicationError, MarginRuleViolation
from risk.models import Liquidation, MarginCall
from risk.services.sweep import sweep_all
from tests.api.api_helpers import API, assert_error, ok
from tests.api.conftest import client_for
from tests.classrooms.helpers import class_account
from tests.helpers import UNIT, assert_ledger_clean
from trading import selectors
from trading.models import AccountKind, IsolatedMarginTier, Pair, Trade
from trading.services.accounts import account_leverage_set
from trading.services.loans import max_borrowable_get


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


def test_a_class_s_resting_limits_filled_by_the_matcher_s_batch_pay_the_class_s_maker_fee(dana, erin, frank, day_n):
    """The matcher's batch (several plain accounts in one transaction) fills each account with its own
    market's settings: the class's maker fee, not the platform's zero."""
    classroom = make_class(dana, "Maker fees", maker_fee="0.002", taker_fee="0.01")
    orders = []
    for student in (erin, frank):
        member = membership_join(user=student, code=classroom.join_code)[0]
        spot = class_account(member, AccountKind.SPOT)
        orders.append(
            member_order_place(
                user=student,
                classroom_id=classroom.pk,
                account_id=spot.pk,
                symbol="ETHUSDT",
                side="BUY",
                type="LIMIT",
                quantity="1",
                price="190",
            )
        )
    assert not Trade.objects.filter(order__in=orders).exists()

    class_price_set(user=dana, classroom_id=classroom.pk, symbol="ETHUSDT", price="185")

    trades = list(Trade.objects.filter(order__in=orders))
    assert len(trades) == 2
    for trade in trades:
        assert trade.is_maker and trade.price == D(190)
        assert trade.fee == D("0.002") and trade.fee_asset.code.endswith("ETH")  # 0.2 % of the ETH bought
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


def test_a_class_isolated_account_borrows_by_its_pairs_tiers_under_the_class_profile(gina, erin, day_n):
    # Main BCHUSDT at 5x: tier 1 the profile's up to 1000 USDT, tier 2 initial 1.3125 with a margin-call
    # line of its own (1.32). A class copies the table; its accounts' lines are the class profile's
    # (binance-2025, isolated 5x: call 1.19, liquidation 1.15) where a tier has none.
    source = Pair.objects.get(symbol="BCHUSDT")
    IsolatedMarginTier.objects.filter(pair=source).delete()
    for tier, multiple, initial, call, quote_max in [
        (1, "5", None, None, "1000"),
        (2, "4.2", "1.3125", "1.32", "2000"),
    ]:
        IsolatedMarginTier.objects.create(
            pair=source,
            leverage=5,
            tier=tier,
            effective_multiple=D(multiple),
            initial=D(initial) if initial else None,
            margin_call=D(call) if call else None,
            base_max_borrowable=D(5 * tier),
            quote_max_borrowable=D(quote_max),
        )
    classroom = make_class(gina, "Tiers", risk_profile="binance-2025")
    member = membership_join(user=erin, code=classroom.join_code)[0]
    copy = Pair.in_all_markets.get(class_pair__classroom=classroom, class_pair__source=source)
    assert [(t.tier, t.initial, t.margin_call, t.quote_max_borrowable) for t in copy.isolated_tiers.all()] == [
        (1, None, None, D(1000)),
        (2, D("1.3125"), D("1.32"), D(2000)),
    ]
    account = member_isolated_open(user=erin, classroom_id=classroom.pk, symbol="BCHUSDT", leverage=5)
    spot = class_account(member, AccountKind.SPOT)
    member_transfer(
        user=erin,
        classroom_id=classroom.pk,
        from_account_id=spot.pk,
        to_account_id=account.pk,
        asset="USDT",
        amount="400",
    )
    # Tier 1 would allow 400 / 0.25 = 1600 but holds 1000; tier 2: 400 / 0.3125 = 1280.
    most = max_borrowable_get(user=member.holder, account_id=account.pk, asset="USDT")
    assert most == D(1280)
    with pytest.raises(MarginRuleViolation):
        member_loan(user=erin, classroom_id=classroom.pk, account_id=account.pk, asset="USDT", amount=most + UNIT)
    member_loan(user=erin, classroom_id=classroom.pk, account_id=account.pk, asset="USDT", amount=str(most))
    ratios = selectors.account_summary_get(account=account).ratios
    assert (ratios.tier, ratios.initial, ratios.margin_call, ratios.liquidation) == (
        2,
        D("1.3125"),
        D("1.32"),
        D("1.15"),
    )
    assert ratios.rules == "binance-2025 · Isolated Margin 5x · tier 2"
    # The account's tier table (its page, /api/v1) shows the same: the class's lines under each tier.
    table = selectors.account_tier_table(account=account)
    assert [(row.tier, row.ratios.margin_call, row.ratios.liquidation) for row in table] == [
        (1, D("1.19"), D("1.15")),
        (2, D("1.32"), D("1.15")),
    ]
    # Level 1680 / 1280 = 1.3125: under tier 2's own call line, so the sweep calls it, by the class's profile.
    sweep_all()
    call = MarginCall.objects.get(account=account)
    assert (call.profile, call.margin_call_ratio, call.liquidation_ratio) == ("binance-2025", D("1.32"), D("1.15"))
    assert_ledger_clean()
