"""/api/v1 sign-up and market data (public: anyone may read the market)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.apis import CredentialsApi, CredentialsInputSerializer
from core.fields import (
    RatioField,
    amount_field,
    query,
)
from core.pagination import CandlePagination, PagePagination, paginated_response
from trading import history, selectors
from trading.apis.common import AUTH, MARKET
from trading.models import PriceCandle
from trading.services import accounts as account_services

# --- sign-up ------------------------------------------------------------------------------------------


class RegisterApi(CredentialsApi):
    """Sign up: a user with a funded spot wallet and a cross margin account. Then ask `auth/token`."""

    class InputSerializer(CredentialsInputSerializer):
        email = serializers.EmailField(required=False, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()

    @extend_schema(tags=[AUTH], request=InputSerializer, responses={201: OutputSerializer}, auth=[])
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = account_services.user_signup(**serializer.validated_data)
        return Response(self.OutputSerializer(user).data, status=status.HTTP_201_CREATED)


# --- market data --------------------------------------------------------------------------------------


class MarketListApi(APIView):
    """The listed pairs with their filters (Binance's PRICE_FILTER, LOT_SIZE, NOTIONAL) and mark price."""

    permission_classes = [AllowAny]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField()
        base = serializers.CharField(source="base.code")
        quote = serializers.CharField(source="quote.code")
        tick_size = amount_field()
        step_size = amount_field()
        min_qty = amount_field()
        min_notional = amount_field()
        max_leverage = serializers.IntegerField()
        is_active = serializers.BooleanField()
        margin_enabled = serializers.BooleanField()
        isolated_enabled = serializers.BooleanField()
        mark_price = amount_field(source="mark.price", allow_null=True)

    @extend_schema(tags=[MARKET], responses=OutputSerializer(many=True), auth=[])
    def get(self, request):
        return paginated_response(
            view=self, request=request, items=history.market_list(), serializer_class=self.OutputSerializer
        )


class AssetListApi(APIView):
    """The listed assets and their borrowing terms."""

    permission_classes = [AllowAny]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField(allow_blank=True)
        borrowable = serializers.BooleanField()
        daily_interest_rate = RatioField()
        borrow_limit = amount_field()

    @extend_schema(tags=[MARKET], responses=OutputSerializer(many=True), auth=[])
    def get(self, request):
        return paginated_response(
            view=self, request=request, items=history.asset_list(), serializer_class=self.OutputSerializer
        )


class InterestRateListApi(APIView):
    """An asset's interest-rate schedule, newest first: each entry's daily rate holds from its hour until
    the next entry (every hour of interest is charged at the rate in force at its start; future entries are
    the rates staff have scheduled). Binance's form of it: GET /sapi/v1/margin/interestRateHistory."""

    permission_classes = [AllowAny]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        asset = serializers.CharField(source="asset.code")
        effective_from = serializers.DateTimeField()
        daily_interest_rate = RatioField(source="daily_rate")

    @extend_schema(tags=[MARKET], responses=OutputSerializer(many=True), auth=[])
    def get(self, request, code: str):
        asset = selectors.asset_get(code=code)
        items = selectors.interest_rate_list(asset=asset)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


class PriceListApi(APIView):
    """Mark prices: what margin levels, margin calls and liquidations follow."""

    permission_classes = [AllowAny]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField(source="pair.symbol")
        price = amount_field()
        updated_at = serializers.DateTimeField()

    @extend_schema(tags=[MARKET], responses=OutputSerializer(many=True), auth=[])
    def get(self, request):
        return paginated_response(
            view=self, request=request, items=history.price_list(), serializer_class=self.OutputSerializer
        )


class PriceHistoryApi(APIView):
    """OHLC candles of the mark price, newest first."""

    permission_classes = [AllowAny]
    pagination_class = CandlePagination

    class OutputSerializer(serializers.Serializer):
        open_time = serializers.DateTimeField()
        interval = serializers.CharField()
        open = amount_field()
        high = amount_field()
        low = amount_field()
        close = amount_field()
        ticks = serializers.IntegerField()

    @extend_schema(
        tags=[MARKET],
        parameters=[query("interval", "Candle interval (default 1m).", enum=PriceCandle.Interval.values)],
        responses=OutputSerializer(many=True),
        auth=[],
    )
    def get(self, request, symbol: str):
        candles = history.price_history(symbol=symbol, interval=request.query_params.get("interval"))
        return paginated_response(view=self, request=request, items=candles, serializer_class=self.OutputSerializer)
