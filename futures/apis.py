"""REST doors of the futures floor under /api/v1/futures/: wallet and transfers, symbols with brackets,
leverage, margin type, orders, positions, isolated margin, income history and funding.

Thin doors like trading's: an InputSerializer checks the shape, a service writes, a selector reads.
Another user's order is a 404. Field names are snake_case forms of Binance's /fapi fields
(positionAmt -> position_amt, isolatedMargin -> isolated_margin, ...) so the later /fapi door maps
them one to one.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import (
    SYMBOL_PARAM,
    AmountInputField,
    RatioField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    amount_field,
    query,
)
from core.pagination import HistoryPagination, PagePagination, paginated_response
from futures import formulas as f
from futures import history, selectors
from futures.models import FuturesOrder, Income, MarginType
from futures.services import orders, position_margin, symbol_settings, wallet
from futures.services.funding import funding_rate_estimate

FUTURES = "USDⓈ-M futures"


def signed_field(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("read_only", True)
    return serializers.DecimalField(max_digits=40, decimal_places=8, **kwargs)


# --- wallet ---------------------------------------------------------------------------------------


class FuturesWalletOutputSerializer(serializers.Serializer):
    exists = serializers.BooleanField()
    asset = serializers.CharField()
    wallet_balance = signed_field(help_text="Binance's walletBalance: cross and isolated wallets.")
    cross_wallet_balance = signed_field()
    isolated_wallet_balance = signed_field()
    unrealized_pnl = signed_field()
    margin_balance = signed_field()
    available_balance = signed_field()
    max_withdraw_amount = signed_field()
    cross_maintenance_margin = signed_field()
    cross_margin_ratio = RatioField(allow_null=True, help_text="Maintenance / cross margin balance; null: beyond.")


def _wallet_data(state: selectors.AccountState | None) -> dict:
    if state is None:
        zero = Decimal(0)
        values = dict.fromkeys(
            [
                "wallet_balance",
                "cross_wallet_balance",
                "isolated_wallet_balance",
                "unrealized_pnl",
                "margin_balance",
                "available_balance",
                "max_withdraw_amount",
                "cross_maintenance_margin",
            ],
            zero,
        )
        return {"exists": False, "asset": selectors.QUOTE, "cross_margin_ratio": zero, **values}
    return {
        "exists": True,
        "asset": selectors.QUOTE,
        "wallet_balance": state.wallet_balance,
        "cross_wallet_balance": state.cross_wallet_balance,
        "isolated_wallet_balance": state.isolated_wallet_balance,
        "unrealized_pnl": state.margin_balance - state.wallet_balance,
        "margin_balance": state.margin_balance,
        "available_balance": f.round_to(state.available_balance, Decimal("0.00000001")),
        "max_withdraw_amount": state.max_withdraw,
        "cross_maintenance_margin": f.round_to(state.cross_maintenance, Decimal("0.00000001"), up=True),
        "cross_margin_ratio": state.cross_margin_ratio,
    }


class FuturesWalletApi(APIView):
    """The caller's futures wallet (one per user, made by the first transfer in)."""

    @extend_schema(tags=[FUTURES], responses=FuturesWalletOutputSerializer)
    def get(self, request):
        return Response(FuturesWalletOutputSerializer(_wallet_data(selectors.state_for_user(user=request.user))).data)


class FuturesTransferApi(APIView):
    class InputSerializer(serializers.Serializer):
        type = StrictCharField(
            max_length=16, help_text="MAIN_UMFUTURE: spot to futures; UMFUTURE_MAIN: futures to spot."
        )
        amount = AmountInputField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        type = serializers.CharField()
        asset = serializers.CharField()
        amount = amount_field()
        created_at = serializers.DateTimeField()

    @extend_schema(tags=[FUTURES], request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        """Move USDT between the spot wallet and the futures wallet, through the ledger."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = wallet.futures_transfer_create(user=request.user, **serializer.validated_data)
        data = {
            "id": transfer.pk,
            "type": serializer.validated_data["type"],
            "asset": transfer.asset.code,
            "amount": transfer.amount,
            "created_at": transfer.created_at,
        }
        return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)


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


# --- settings -----------------------------------------------------------------------------------------


class FuturesSettingOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField(source="symbol.symbol")
    leverage = serializers.IntegerField()
    margin_type = serializers.ChoiceField(choices=MarginType.choices)


class FuturesLeverageApi(APIView):
    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32)
        leverage = StrictIntegerField(min_value=-(10**6), max_value=10**6)

    @extend_schema(tags=[FUTURES], request=InputSerializer, responses=FuturesSettingOutputSerializer)
    def post(self, request):
        """Set a symbol's leverage: 1 up to the bracket's maximum for the position's notional."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        setting = symbol_settings.futures_leverage_set(user=request.user, **serializer.validated_data)
        return Response(FuturesSettingOutputSerializer(setting).data)


class FuturesMarginTypeApi(APIView):
    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32)
        margin_type = StrictCharField(max_length=16, help_text="CROSSED or ISOLATED.")

    @extend_schema(tags=[FUTURES], request=InputSerializer, responses=FuturesSettingOutputSerializer)
    def post(self, request):
        """Switch a symbol between CROSSED and ISOLATED; refused (409) with a position or open orders."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        setting = symbol_settings.futures_margin_type_set(user=request.user, **serializer.validated_data)
        return Response(FuturesSettingOutputSerializer(setting).data)


class FuturesPositionModeApi(APIView):
    class InputSerializer(serializers.Serializer):
        dual_side_position = StrictBooleanField()

    class OutputSerializer(serializers.Serializer):
        dual_side_position = serializers.BooleanField()

    @extend_schema(tags=[FUTURES], request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        """One-way mode only: ``true`` (hedge mode) answers a clear 400."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        symbol_settings.futures_position_mode_set(user=request.user, **serializer.validated_data)
        return Response({"dual_side_position": False})


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
