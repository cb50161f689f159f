"""A class and its market: copies of the main pairs at their prices, members' own accounts, and the main
market and the members' personal accounts untouched."""

from decimal import Decimal as D

import pytest

from classrooms.models import ClassPair, Membership
from classrooms.selectors import class_board
from classrooms.services.classes import classroom_create, is_instructor, membership_join
from core.errors import ApplicationError, NotFound
from tests.classrooms.helpers import class_account, seed_positions
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.margin import Status
from trading.models import AccountKind, Asset, MarkPrice, Pair
from trading.selectors import account_summary_get, pair_get
from trading.services.orders import order_place


def test_a_class_copies_its_pairs_with_their_prices(classroom):
    copies = ClassPair.objects.filter(classroom=classroom).select_related("source", "pair__base")
    assert {(c.source.symbol, c.pair.symbol) for c in copies} == {
        ("ETHUSDT", f"C{classroom.pk}ETHUSDT"),
        ("BCHUSDT", f"C{classroom.pk}BCHUSDT"),
    }
    for copy in copies:
        assert copy.pair.market == classroom.market and copy.pair.base.market == classroom.market
        assert MarkPrice.objects.get(pair=copy.pair).price == D(200)
    # The main market's listings and look-ups do not see them.
    assert not Pair.objects.filter(market__isnull=False).exists()
    assert not Asset.objects.filter(code__startswith="C").exists()
    with pytest.raises(ApplicationError):
        pair_get(symbol=f"C{classroom.pk}ETHUSDT")
    assert pair_get(symbol=f"C{classroom.pk}ETHUSDT", market=classroom.market).market == classroom.market
    assert_ledger_clean()


def test_only_instructors_create_classes(erin, dana, charlie, day_n):
    assert (is_instructor(erin), is_instructor(dana), is_instructor(charlie)) == (False, True, True)
    with pytest.raises(ApplicationError) as refused:
        classroom_create(instructor=erin, name="Mine", starting_balance="100", symbols=["ETHUSDT"])
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 101),
        ("name", "a\x00b"),
        ("starting_balance", "0"),
        ("starting_balance", "1000000000.00000001"),
        ("starting_balance", "1e3"),
        ("symbols", []),
        ("symbols", ["NOPEUSDT"]),
        ("symbols", ["ETHUSDT"] * 21),
        ("symbols", "ETHUSDT"),
    ],
)
def test_bad_class_input_is_refused_and_changes_nothing(dana, day_n, field, value):
    data = {"name": "Margin 101", "starting_balance": "1000", "symbols": ["ETHUSDT"]} | {field: value}
    with pytest.raises(ApplicationError) as refused:
        classroom_create(instructor=dana, **data)
    assert field in refused.value.fields
    assert not Pair.in_all_markets.filter(market__isnull=False).exists()


def test_the_largest_starting_balance_is_accepted(dana, day_n):
    classroom = classroom_create(instructor=dana, name="Rich", starting_balance="1000000000", symbols=["ETHUSDT"])
    assert classroom.starting_balance == D(1_000_000_000)


def test_members_get_funded_class_accounts_and_personal_ones_never_change(classroom, erin, frank):
    before = amounts(spot(erin), "USDT")
    membership, created = membership_join(user=erin, code=classroom.join_code.lower())
    assert created
    assert membership_join(user=erin, code=classroom.join_code) == (membership, False)
    assert amounts(class_account(membership, AccountKind.SPOT), "USDT") == (D(1000), 0, 0, 0)
    assert class_account(membership, AccountKind.CROSS).market == classroom.market
    assert amounts(spot(erin), "USDT") == before
    assert not membership.holder.has_usable_password()
    assert_ledger_clean()


def test_join_refusals(classroom, dana, erin):
    with pytest.raises(NotFound):
        membership_join(user=erin, code="ZZZZZZZZ")
    with pytest.raises(ApplicationError):
        membership_join(user=erin, code="../etc")
    with pytest.raises(ApplicationError):
        membership_join(user=dana, code=classroom.join_code)
    classroom.is_open = False
    classroom.save()
    with pytest.raises(NotFound):
        membership_join(user=erin, code=classroom.join_code)
    assert not Membership.objects.exists()


def test_the_seed_example_in_a_class_gives_the_seeds_levels(members):
    a, b_eth, b_bch = seed_positions(*members)
    assert amounts(a, "USDT") == (0, 0, D(1600), 0)
    for account in (a, b_eth, b_bch):
        summary = account_summary_get(account=account)
        assert (summary.margin_level, summary.status) == (D("1.25"), Status.NORMAL)
    rows = class_board(classroom=members[0].classroom)
    assert [r.equity for r in rows] == [D(1000), D(1000)]
    assert_ledger_clean()


def test_a_class_pair_cannot_be_traded_from_a_personal_account(classroom, alice):
    account = cross(alice)
    with pytest.raises(ApplicationError) as refused:
        order_place(
            user=alice,
            account_id=account.pk,
            symbol=f"C{classroom.pk}ETHUSDT",
            side="BUY",
            type="MARKET",
            quantity="1",
            side_effect="MARGIN_BUY",
        )
    assert refused.value.code == "unknown_symbol"


def test_the_main_markets_listings_do_not_show_a_class(classroom, alice):
    from tests.api.conftest import client_for

    api = client_for(alice)
    for path in ["/api/v1/markets", "/api/v1/prices", "/api/v1/assets"]:
        body = api.get(path, {"page_size": 200}).json()
        assert f"C{classroom.pk}" not in str(body), path
    assert f"C{classroom.pk}ETH" not in api.get("/api/v3/exchangeInfo").content.decode()
