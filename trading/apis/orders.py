"""/api/v1 orders (place, list, get, cancel), trades and the ledger."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import (
    ACCOUNT_PARAM,
    ASSET_PARAM,
    SYMBOL_PARAM,
    AmountInputField,
    RatioField,
    StrictBooleanField,
    StrictCharField,
    amount_field,
    id_field,
    query,
)
from core.pagination import HistoryPagination, paginated_response
from core.serializers import OutputSerializer, RequestSerializer
from trading import history, selectors
from trading.apis.common import MONEY, ORDERS
from trading.models import Bucket, JournalEntry, Order
from trading.services import orders
from trading.services.preview import order_preview

# --- orders and trades --------------------------------------------------------------------------------


class OrderOutputSerializer(OutputSerializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    symbol = serializers.CharField(source="pair.symbol")
    side = serializers.ChoiceField(choices=Order.Side.choices)
    type = serializers.ChoiceField(choices=Order.Type.choices)
    time_in_force = serializers.CharField(allow_blank=True)
    side_effect = serializers.ChoiceField(choices=Order.SideEffect.choices)
    status = serializers.ChoiceField(choices=Order.Status.choices)
    status_reason = serializers.CharField(allow_blank=True)
    quantity = amount_field(allow_null=True)
    quote_quantity = amount_field(allow_null=True)
    price = amount_field(allow_null=True)
    stop_price = amount_field(allow_null=True)
    client_order_id = serializers.CharField()
    executed_qty = amount_field()
    cummulative_quote_qty = amount_field()
    borrowed_amount = amount_field(help_text="What MARGIN_BUY borrowed for this order.")
    borrowed_asset = serializers.CharField(source="borrowed_asset.code", allow_null=True)
    is_working = serializers.BooleanField(help_text="False for a stop order until its stop price is reached.")
    order_list = serializers.IntegerField(source="order_list_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OrderApi(APIView):
    """Place an order (POST) and list the caller's orders (GET)."""

    pagination_class = HistoryPagination

    class InputSerializer(RequestSerializer):
        account = id_field()
        symbol = StrictCharField(max_length=32)
        side = serializers.ChoiceField(choices=Order.Side.choices)
        type = serializers.ChoiceField(choices=Order.Type.choices, default=Order.Type.MARKET)
        quantity = AmountInputField(required=False, allow_null=True, help_text="In the base asset.")
        quote_quantity = AmountInputField(required=False, allow_null=True, help_text="MARKET only: in the quote asset.")
        price = AmountInputField(required=False, allow_null=True)
        stop_price = AmountInputField(required=False, allow_null=True)
        time_in_force = serializers.ChoiceField(choices=Order.TimeInForce.choices, required=False, allow_null=True)
        side_effect = serializers.ChoiceField(choices=Order.SideEffect.choices, required=False, allow_null=True)
        client_order_id = StrictCharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            help_text="Yours, for idempotency: 1-36 of [A-Za-z0-9_.:-].",
        )
        auto_repay_at_cancel = StrictBooleanField(required=False, default=True)

    @extend_schema(
        tags=[ORDERS],
        parameters=[
            ACCOUNT_PARAM,
            SYMBOL_PARAM,
            query("status", "Only orders in this status.", enum=Order.Status.values),
            query("side", "Only this side.", enum=Order.Side.values),
        ],
        responses=OrderOutputSerializer(many=True),
    )
    def get(self, request):
        items = history.order_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=OrderOutputSerializer)

    @extend_schema(tags=[ORDERS], request=InputSerializer, responses={201: OrderOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = orders.order_place(user=request.user, account_id=data.pop("account"), **data)
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(tags=[ORDERS], responses=OrderOutputSerializer)
    def get(self, request, order_id: int):
        order = selectors.order_get_for_user(user=request.user, order_id=order_id)
        return Response(OrderOutputSerializer(order).data)

    @extend_schema(tags=[ORDERS], responses={200: OrderOutputSerializer})
    def delete(self, request, order_id: int):
        """Cancel an open order: its lock is released (and what MARGIN_BUY borrowed is repaid)."""
        order = orders.order_cancel(user=request.user, order_id=order_id)
        return Response(OrderOutputSerializer(order).data)


class TradeListApi(APIView):
    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        order = serializers.IntegerField(source="order_id")
        account = serializers.IntegerField(source="account_id")
        symbol = serializers.CharField(source="pair.symbol")
        side = serializers.ChoiceField(choices=Order.Side.choices)
        price = amount_field()
        quantity = amount_field()
        quote_quantity = amount_field()
        fee = amount_field()
        fee_asset = serializers.CharField(source="fee_asset.code")
        is_maker = serializers.BooleanField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        tags=[ORDERS],
        parameters=[ACCOUNT_PARAM, SYMBOL_PARAM, query("order", "Only this order's fills.", type=int)],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        items = history.trade_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


class LedgerApi(APIView):
    """The caller's side of the double-entry journal: every change of every balance, newest first."""

    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        entry = serializers.IntegerField(source="entry_id")
        kind = serializers.ChoiceField(source="entry.kind", choices=JournalEntry.Kind.choices)
        memo = serializers.CharField(source="entry.memo", allow_blank=True)
        account = serializers.IntegerField(source="balance.account_id")
        asset = serializers.CharField(source="balance.asset.code")
        bucket = serializers.ChoiceField(choices=Bucket.choices)
        amount = amount_field()
        created_at = serializers.DateTimeField(source="entry.created_at")

    @extend_schema(
        tags=[MONEY],
        parameters=[
            ACCOUNT_PARAM,
            ASSET_PARAM,
            query("kind", "Only this kind of entry.", enum=JournalEntry.Kind.values),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        items = history.ledger_line_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


# --- the preview: what the order would do, placed by order_place in a rolled-back transaction -------------


class PreviewOutcomeSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account.pk")
    account_kind = serializers.CharField(source="account.kind")
    accepted = serializers.BooleanField(help_text="False: order placement would refuse it; `refusal` says why.")
    refusal = serializers.DictField(
        allow_null=True, help_text="The error placement would answer: code, message, fields."
    )
    status = serializers.CharField(allow_null=True, help_text="The order's status as placed (none if refused).")
    executed_qty = amount_field()
    fill_price = amount_field(
        allow_null=True, help_text="Average price of the fills at once (none for a resting order)."
    )
    quote_quantity = amount_field()
    fee = amount_field()
    borrowed_amount = amount_field()
    borrowed_asset = serializers.CharField(allow_null=True)
    margin_level_before = RatioField(allow_null=True)
    margin_level_after = RatioField(allow_null=True)
    status_after = serializers.CharField(allow_null=True)
    liquidation_price_after = amount_field(allow_null=True, help_text="Estimated, of the pair's base asset.")


class OrderPreviewOutputSerializer(serializers.Serializer):
    outcome = PreviewOutcomeSerializer()
    other_mode = PreviewOutcomeSerializer(allow_null=True, help_text="The same order in the other margin mode.")
    other_mode_note = serializers.CharField(allow_blank=True)


class OrderPreviewApi(APIView):
    """What POST /orders would do with this body, without placing it: nothing is written."""

    class InputSerializer(OrderApi.InputSerializer):
        # A preview places nothing: no idempotency key, nothing to repay at a cancel.
        client_order_id = None  # type: ignore[assignment]
        auto_repay_at_cancel = None  # type: ignore[assignment]

    @extend_schema(tags=[ORDERS], request=InputSerializer, responses=OrderPreviewOutputSerializer)
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        preview = order_preview(user=request.user, account_id=data.pop("account"), **data)
        return Response(OrderPreviewOutputSerializer(preview).data)
