"""Futures REST doors: orders and positions (with isolated margin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import (
    SYMBOL_PARAM,
    AmountInputField,
    RatioField,
    StrictBooleanField,
    StrictCharField,
    amount_field,
    query,
)
from core.pagination import HistoryPagination, PagePagination, paginated_response
from futures import history, selectors
from futures.apis.common import FUTURES, signed_field
from futures.models import FuturesOrder
from futures.services import orders, position_margin

# --- orders --------------------------------------------------------------------------------------------


class FuturesOrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_order_id = serializers.CharField()
    symbol = serializers.CharField(source="symbol.symbol")
    side = serializers.ChoiceField(choices=FuturesOrder.Side.choices)
    position_side = serializers.CharField()
    type = serializers.CharField()
    time_in_force = serializers.CharField()
    orig_qty = amount_field()
    price = amount_field()
    stop_price = amount_field()
    reduce_only = serializers.BooleanField()
    close_position = serializers.BooleanField()
    working_type = serializers.CharField()
    callback_rate = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    activation_price = amount_field()
    status = serializers.CharField(help_text="NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED or REJECTED.")
    executed_qty = amount_field()
    avg_price = amount_field()
    cum_quote = amount_field()
    status_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FuturesOrderApi(APIView):
    """Place an order (POST) and list the caller's orders (GET, newest first)."""

    pagination_class = HistoryPagination

    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32)
        side = serializers.ChoiceField(choices=FuturesOrder.Side.choices)
        type = StrictCharField(
            max_length=24,
            default=FuturesOrder.Type.MARKET,
            help_text="MARKET, LIMIT, STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET, TRAILING_STOP_MARKET.",
        )
        quantity = AmountInputField(required=False, allow_null=True)
        price = AmountInputField(required=False, allow_null=True)
        stop_price = AmountInputField(required=False, allow_null=True)
        time_in_force = StrictCharField(
            max_length=8, required=False, allow_null=True, help_text="GTC (default), IOC, FOK or GTX (post-only)."
        )
        reduce_only = StrictBooleanField(required=False, default=False)
        close_position = StrictBooleanField(required=False, default=False)
        working_type = StrictCharField(
            max_length=16, required=False, allow_null=True, help_text="MARK_PRICE or CONTRACT_PRICE."
        )
        callback_rate = AmountInputField(
            required=False, allow_null=True, help_text="TRAILING_STOP_MARKET: 0.1 to 10 (percent)."
        )
        activation_price = AmountInputField(required=False, allow_null=True, help_text="TRAILING_STOP_MARKET.")
        position_side = StrictCharField(required=False, default="BOTH", max_length=8)
        client_order_id = serializers.RegexField(r"^[A-Za-z0-9_.:-]{1,36}$", required=False, allow_null=True)

    @extend_schema(
        tags=[FUTURES],
        parameters=[SYMBOL_PARAM, query("status", "Only orders in this status.", enum=FuturesOrder.Status.values)],
        responses=FuturesOrderOutputSerializer(many=True),
    )
    def get(self, request):
        items = history.order_list(user=request.user, filters=request.query_params)
        return paginated_response(
            view=self, request=request, items=items, serializer_class=FuturesOrderOutputSerializer
        )

    @extend_schema(tags=[FUTURES], request=InputSerializer, responses={201: FuturesOrderOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = orders.futures_order_place(user=request.user, **serializer.validated_data)
        return Response(FuturesOrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class FuturesOrderDetailApi(APIView):
    @extend_schema(tags=[FUTURES], responses=FuturesOrderOutputSerializer)
    def get(self, request, order_id: int):
        return Response(
            FuturesOrderOutputSerializer(selectors.order_get_for_user(user=request.user, order_id=order_id)).data
        )

    @extend_schema(tags=[FUTURES], responses=FuturesOrderOutputSerializer)
    def delete(self, request, order_id: int):
        order = orders.futures_order_cancel(user=request.user, order_id=order_id)
        return Response(FuturesOrderOutputSerializer(order).data)


# --- positions -----------------------------------------------------------------------------------------


class FuturesPositionOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField(source="info.code")
    position_amt = signed_field(source="position.position_amt")
    entry_price = amount_field(source="position.entry_price")
    mark_price = amount_field()
    notional = amount_field()
    unrealized_pnl = signed_field()
    roe = RatioField(allow_null=True)
    leverage = serializers.IntegerField(source="position.leverage")
    margin_type = serializers.CharField(source="position.margin_type")
    isolated_margin = amount_field(source="position.isolated_margin")
    initial_margin = amount_field()
    maintenance_margin = amount_field(source="maintenance")
    margin_ratio = RatioField(allow_null=True, help_text="Isolated: maintenance / (margin + uPnL). Cross: null.")
    liquidation_price = amount_field(allow_null=True)
    position_side = serializers.CharField(default="BOTH")


class FuturesPositionListApi(APIView):
    """The caller's open positions with mark, uPnL, ROE, margin, maintenance, ratio and liquidation price."""

    pagination_class = PagePagination

    @extend_schema(tags=[FUTURES], responses=FuturesPositionOutputSerializer(many=True))
    def get(self, request):
        state = selectors.state_for_user(user=request.user)
        items = state.positions if state else []
        return paginated_response(
            view=self, request=request, items=items, serializer_class=FuturesPositionOutputSerializer
        )


class FuturesPositionMarginApi(APIView):
    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32)
        amount = AmountInputField()
        type = StrictCharField(max_length=8, help_text="ADD (1) or REDUCE (2), as Binance's positionMargin.")

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField(source="symbol.symbol")
        isolated_margin = amount_field()

    @extend_schema(tags=[FUTURES], request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        """Add margin to an isolated position, or take it out down to its initial margin."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        position = position_margin.futures_position_margin_change(user=request.user, **serializer.validated_data)
        return Response(self.OutputSerializer(position).data)
