"""Futures REST doors: symbols with their brackets, income history and funding rates."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from core.fields import (
    SYMBOL_PARAM,
    RatioField,
    amount_field,
    query,
)
from core.pagination import HistoryPagination, PagePagination, paginated_response
from futures import formulas as f
from futures import history, selectors
from futures.apis.common import FUTURES, signed_field
from futures.models import Income
from futures.services.funding import funding_rate_estimate

# --- symbols ----------------------------------------------------------------------------------------


class FuturesBracketOutputSerializer(serializers.Serializer):
    bracket = serializers.IntegerField()
    initial_leverage = serializers.IntegerField(source="max_leverage")
    notional_floor = amount_field()
    notional_cap = amount_field()
    maint_margin_ratio = RatioField()
    cum = amount_field()


class FuturesSymbolOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    pair = serializers.CharField()
    contract_type = serializers.CharField()
    tick_size = amount_field()
    step_size = amount_field()
    min_qty = amount_field()
    min_notional = amount_field()
    mark_price = amount_field(allow_null=True)
    index_price = amount_field(allow_null=True)
    estimated_funding_rate = RatioField(allow_null=True)
    next_funding_time = serializers.DateTimeField()
    brackets = FuturesBracketOutputSerializer(many=True)


def symbol_data(info: selectors.SymbolInfo) -> dict:
    symbol = info.symbol
    return {
        "symbol": symbol.symbol,
        "pair": symbol.pair.symbol,
        "contract_type": "PERPETUAL",
        "tick_size": symbol.tick_size,
        "step_size": symbol.step_size,
        "min_qty": symbol.min_qty,
        "min_notional": symbol.min_notional,
        "mark_price": info.mark_price,
        "index_price": info.index_price,
        "estimated_funding_rate": funding_rate_estimate(info) if info.mark_price else None,
        "next_funding_time": f.next_funding_time(timezone.now()),
        "brackets": list(symbol.brackets.all()),
    }


class FuturesSymbolListApi(APIView):
    """The perpetuals with their filters, mark and index price, the next funding rate, and brackets."""

    permission_classes = [AllowAny]
    pagination_class = PagePagination

    @extend_schema(tags=[FUTURES], responses=FuturesSymbolOutputSerializer(many=True), auth=[])
    def get(self, request):
        market = selectors.market_get()
        items = [symbol_data(info) for info in market.values()]
        return paginated_response(
            view=self, request=request, items=items, serializer_class=FuturesSymbolOutputSerializer
        )


# --- history -------------------------------------------------------------------------------------------


class FuturesIncomeApi(APIView):
    """The income history: TRANSFER, REALIZED_PNL, FUNDING_FEE, COMMISSION, INSURANCE_CLEAR, newest first."""

    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        symbol = serializers.CharField(source="symbol.symbol", allow_null=True, default=None)
        income_type = serializers.ChoiceField(choices=Income.Type.choices)
        income = signed_field()
        asset = serializers.CharField()
        info = serializers.CharField()
        trade = serializers.IntegerField(source="trade_id", allow_null=True)
        time = serializers.DateTimeField()

    @extend_schema(
        tags=[FUTURES],
        parameters=[SYMBOL_PARAM, query("income_type", "Only this type.", enum=Income.Type.values)],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        items = history.income_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


class FuturesFundingRateApi(APIView):
    """Funding history per symbol, newest first (Binance's fundingRate)."""

    permission_classes = [AllowAny]
    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        symbol = serializers.CharField(source="symbol.symbol")
        funding_time = serializers.DateTimeField()
        funding_rate = RatioField()
        mark_price = amount_field()

    @extend_schema(tags=[FUTURES], parameters=[SYMBOL_PARAM], responses=OutputSerializer(many=True), auth=[])
    def get(self, request):
        items = history.funding_rate_list(filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)
