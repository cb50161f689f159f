"""Output serializers with fields made once per class (core.serializers): every one writes what DRF's own
serializer with the same fields writes, for one object after another and for lists."""

import copy
from decimal import Decimal

import pytest
from rest_framework import serializers

from core.serializers import OutputSerializer, RequestSerializer, SharedFieldsSerializer
from tests.helpers import cross, cross_owing
from trading.apis.accounts import AccountOutputSerializer, BalanceOutputSerializer, TierOutputSerializer
from trading.apis.orders import OrderApi, OrderOutputSerializer, OrderPreviewApi
from trading.models import Order
from trading.selectors.valuation import account_summary_get
from trading.services.accounts import isolated_account_open, paper_funds_credit
from trading.services.orders import order_place

pytestmark = pytest.mark.django_db


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def plain(cls):
    """The same declared fields and methods on DRF's own Serializer: made anew for every instance."""
    shared = ("_shared_fields", "_shared_readable", "_shared_writable", "_declared_fields")
    members = {name: value for name, value in vars(cls).items() if not name.startswith("__") and name not in shared}
    return type(f"Plain{cls.__name__}", (serializers.Serializer,), members | copy.deepcopy(cls._declared_fields))


def test_every_shared_fields_serializer_is_held_to_drf_here():
    assert set(_subclasses(SharedFieldsSerializer)) - {OutputSerializer, RequestSerializer} == {
        OrderOutputSerializer,
        AccountOutputSerializer,
        BalanceOutputSerializer,
        TierOutputSerializer,
        OrderApi.InputSerializer,
        OrderPreviewApi.InputSerializer,
    }


ORDER_REQUESTS = [
    {"account": 7, "symbol": "BTCUSDT", "side": "BUY", "quantity": "0.001"},
    {"account": "7", "symbol": "ETHUSDT", "side": "SELL", "type": "LIMIT", "quantity": "1", "price": "3000.5"},
    {"account": 7, "symbol": "BTCUSDT", "side": "BUY", "quote_quantity": "10", "side_effect": "MARGIN_BUY"},
    {"account": 7, "symbol": "BTCUSDT", "side": "BUY", "client_order_id": "", "auto_repay_at_cancel": False},
    # refused: each with DRF's own errors
    {},
    {"account": -1, "symbol": "BTCUSDT", "side": "SIDEWAYS", "quantity": "NaN"},
    {"account": 7, "symbol": 5, "side": "BUY", "quantity": 0.1, "time_in_force": "NEVER"},
    {"account": 7, "symbol": "X" * 33, "side": "BUY", "quantity": "1e3", "auto_repay_at_cancel": "yes"},
    [1, 2],
]


@pytest.mark.parametrize("request_serializer", [OrderApi.InputSerializer, OrderPreviewApi.InputSerializer])
@pytest.mark.parametrize("data", ORDER_REQUESTS)
def test_order_requests_are_validated_and_refused_as_drf_does(request_serializer, data):
    reference = plain(request_serializer)
    for _ in range(2):  # a second time: nothing of the first stays on the shared fields
        shared, own = request_serializer(data=data), reference(data=data)
        assert shared.is_valid() == own.is_valid()
        assert shared.errors == own.errors
        if own.is_valid():
            assert shared.validated_data == own.validated_data


def test_a_request_serializer_refuses_a_partial_update():
    with pytest.raises(TypeError):
        OrderApi.InputSerializer(data={}, partial=True)


def test_orders_are_written_as_drf_writes_them(platform, alice):
    account = cross_owing(alice)
    orders = [
        order_place(user=alice, account_id=account.pk, symbol="BTCUSDT", side="BUY", quantity="0.001"),
        order_place(
            user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.02", price="1000"
        ),
        order_place(
            user=alice,
            account_id=account.pk,
            symbol="BTCUSDT",
            side="BUY",
            quantity="0.001",
            side_effect=Order.SideEffect.MARGIN_BUY,
        ),
    ]
    reference = plain(OrderOutputSerializer)
    for order in orders:
        assert OrderOutputSerializer(order).data == reference(order).data
    assert OrderOutputSerializer(orders, many=True).data == reference(orders, many=True).data
    assert OrderOutputSerializer(orders[1]).data["price"] == "1000.00000000"


def test_accounts_with_balances_and_tiers_are_written_as_drf_writes_them(platform, alice):
    account = cross_owing(alice)
    paper_funds_credit(account_id=account.pk, asset="BTC", amount="0.5")
    isolated = isolated_account_open(user=alice, symbol="BTCUSDT")
    summaries = [account_summary_get(account=a) for a in (account, isolated, cross(alice))]
    reference = plain(AccountOutputSerializer)
    for summary in summaries:
        assert AccountOutputSerializer(summary).data == reference(summary).data
    written = AccountOutputSerializer(summaries[0]).data
    assert [b["asset"] for b in written["balances"]] == ["BTC", "USDT"]
    assert Decimal(written["balances"][1]["borrowed"]) == Decimal("500")
    assert AccountOutputSerializer(summaries[1]).data["tiers"] == reference(summaries[1]).data["tiers"] is not None


def test_an_output_serializer_reads_no_input():
    with pytest.raises(TypeError):
        OrderOutputSerializer(data={"id": 1}).is_valid()
