"""REST doors of the trading app: sign-up, market data, accounts, positions, transfers, loans, orders,
trades, the ledger, and the staff's settings.

Thin doors (HackSoft style): an InputSerializer checks the shape of the input, a service does every
write and owns its rules, a selector does every read, an OutputSerializer shapes the answer. Another
user's object is never told apart from a missing one: both are 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.apis import CredentialsApi, CredentialsInputSerializer
from core.fields import (
    ACCOUNT_PARAM,
    ASSET_PARAM,
    SYMBOL_PARAM,
    AmountInputField,
    RatioField,
    amount_field,
    id_field,
    query,
)
from core.pagination import CandlePagination, HistoryPagination, PagePagination, paginated_response
from trading import history, selectors
from trading.margin import Status
from trading.models import AccountKind, Bucket, JournalEntry, LoanEvent, Order, PriceCandle
from trading.services import accounts as account_services
from trading.services import loans, orders, platform, transfers

AUTH, MARKET, ACCOUNTS, MONEY, ORDERS, ADMIN = (
    "auth",
    "market data",
    "accounts",
    "transfers and loans",
    "orders",
    "admin",
)


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


# --- accounts -----------------------------------------------------------------------------------------


class BalanceOutputSerializer(serializers.Serializer):
    asset = serializers.CharField(source="asset.code")
    free = amount_field()
    locked = amount_field(help_text="Reserved by open orders; still counts as an asset for the margin level.")
    borrowed = amount_field()
    interest = amount_field(help_text="Unpaid interest.")
    net = amount_field(help_text="free + locked - borrowed - interest")


class AccountOutputSerializer(serializers.Serializer):
    """An account with its balances, valued at mark prices in USDT (a ``selectors.AccountSummary``)."""

    id = serializers.IntegerField(source="account.pk")
    kind = serializers.ChoiceField(
        source="account.kind", choices=[AccountKind.SPOT, AccountKind.CROSS, AccountKind.ISOLATED]
    )
    symbol = serializers.CharField(source="account.pair.symbol", allow_null=True, help_text="Isolated accounts only.")
    leverage = serializers.IntegerField(source="account.leverage", allow_null=True)
    margin_level = RatioField(allow_null=True, help_text="Total asset value / total debt; null without debt.")
    status = serializers.ChoiceField(choices=[s.value for s in Status])
    is_frozen = serializers.BooleanField(source="account.is_frozen")
    total_asset_value = amount_field()
    total_debt = amount_field()
    balances = BalanceOutputSerializer(many=True)


def _account_response(account, *, status_code: int = status.HTTP_200_OK) -> Response:
    summary = selectors.account_summary_get(account=account)
    return Response(AccountOutputSerializer(summary).data, status=status_code)


class AccountListApi(APIView):
    pagination_class = PagePagination

    @extend_schema(tags=[ACCOUNTS], responses=AccountOutputSerializer(many=True))
    def get(self, request):
        summaries = selectors.account_summaries_for_user(user=request.user)
        return paginated_response(view=self, request=request, items=summaries, serializer_class=AccountOutputSerializer)


class AccountDetailApi(APIView):
    class UpdateInputSerializer(serializers.Serializer):
        leverage = serializers.IntegerField(help_text="Cross: 3 or 5. Isolated: 3, 5 or 10, up to the pair's maximum.")

    @extend_schema(tags=[ACCOUNTS], responses=AccountOutputSerializer)
    def get(self, request, account_id: int):
        return _account_response(selectors.account_get_for_user(user=request.user, account_id=account_id))

    @extend_schema(tags=[ACCOUNTS], request=UpdateInputSerializer, responses=AccountOutputSerializer)
    def patch(self, request, account_id: int):
        serializer = self.UpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = account_services.account_leverage_set(
            user=request.user, account_id=account_id, leverage=serializer.validated_data["leverage"]
        )
        return _account_response(account)


class IsolatedAccountCreateApi(APIView):
    """Enable an isolated margin account for a pair (one per pair)."""

    class InputSerializer(serializers.Serializer):
        symbol = serializers.CharField(max_length=32)
        leverage = serializers.IntegerField(required=False, help_text="Default: the pair's maximum.")

    @extend_schema(tags=[ACCOUNTS], request=InputSerializer, responses={201: AccountOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = account_services.isolated_account_open(user=request.user, **serializer.validated_data)
        return _account_response(account, status_code=status.HTTP_201_CREATED)


class AccountResetApi(APIView):
    """Start the paper account afresh: orders cancelled, debts cleared, the starting balance restored (spot)."""

    @extend_schema(tags=[ACCOUNTS], request=None, responses=AccountOutputSerializer)
    def post(self, request, account_id: int):
        account = account_services.account_reset(user=request.user, account_id=account_id)
        return _account_response(account)


class MaxBorrowableApi(APIView):
    class QuerySerializer(serializers.Serializer):
        asset = serializers.CharField(max_length=16)

    class OutputSerializer(serializers.Serializer):
        account = serializers.IntegerField()
        asset = serializers.CharField()
        amount = amount_field()

    @extend_schema(
        tags=[MONEY],
        parameters=[query("asset", "The asset to borrow, e.g. USDT.", required=True)],
        responses=OutputSerializer,
    )
    def get(self, request, account_id: int):
        params = self.QuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        asset = params.validated_data["asset"]
        amount = loans.max_borrowable_get(user=request.user, account_id=account_id, asset=asset)
        return Response(self.OutputSerializer({"account": account_id, "asset": asset.upper(), "amount": amount}).data)


# --- positions ----------------------------------------------------------------------------------------


class PositionOutputSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account.pk")
    symbol = serializers.CharField()
    asset = serializers.CharField()
    quantity = amount_field(help_text="Net: free + locked - borrowed - interest; negative for a short.")
    side = serializers.ChoiceField(choices=["LONG", "SHORT"])
    entry_price = amount_field(allow_null=True)
    mark_price = amount_field()
    unrealized_pnl = amount_field(allow_null=True)
    liquidation_price = amount_field(allow_null=True, help_text="Estimated; null when it cannot be reached.")
    margin_level = RatioField(allow_null=True)


class PositionListApi(APIView):
    """Every position of every margin account of the caller's."""

    pagination_class = PagePagination

    @extend_schema(tags=[ACCOUNTS], responses=PositionOutputSerializer(many=True))
    def get(self, request):
        positions = selectors.position_list_for_user(user=request.user)
        return paginated_response(
            view=self, request=request, items=positions, serializer_class=PositionOutputSerializer
        )


class AccountPositionListApi(APIView):
    pagination_class = PagePagination

    @extend_schema(tags=[ACCOUNTS], responses=PositionOutputSerializer(many=True))
    def get(self, request, account_id: int):
        account = selectors.account_get_for_user(user=request.user, account_id=account_id)
        positions = selectors.position_list(account=account)
        return paginated_response(
            view=self, request=request, items=positions, serializer_class=PositionOutputSerializer
        )


# --- transfers and loans ------------------------------------------------------------------------------


class TransferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_account = serializers.IntegerField(source="from_account_id")
    to_account = serializers.IntegerField(source="to_account_id")
    asset = serializers.CharField(source="asset.code")
    amount = amount_field()
    created_at = serializers.DateTimeField()


class TransferApi(APIView):
    """Move free funds between two of the caller's accounts (spot, cross, isolated)."""

    pagination_class = HistoryPagination

    class InputSerializer(serializers.Serializer):
        from_account = id_field()
        to_account = id_field()
        asset = serializers.CharField(max_length=16)
        amount = AmountInputField()

    @extend_schema(
        tags=[MONEY],
        parameters=[ACCOUNT_PARAM, ASSET_PARAM],
        responses=TransferOutputSerializer(many=True),
    )
    def get(self, request):
        items = history.transfer_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=TransferOutputSerializer)

    @extend_schema(tags=[MONEY], request=InputSerializer, responses={201: TransferOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = transfers.transfer_create(
            user=request.user,
            from_account_id=data["from_account"],
            to_account_id=data["to_account"],
            asset=data["asset"],
            amount=data["amount"],
        )
        return Response(TransferOutputSerializer(transfer).data, status=status.HTTP_201_CREATED)


class LoanEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    asset = serializers.CharField(source="asset.code")
    kind = serializers.ChoiceField(choices=LoanEvent.Kind.choices)
    principal = amount_field()
    interest = amount_field()
    order = serializers.IntegerField(source="order_id", allow_null=True)
    created_at = serializers.DateTimeField()


class LoanInputSerializer(serializers.Serializer):
    account = id_field()
    asset = serializers.CharField(max_length=16)
    amount = AmountInputField()


class LoanApi(APIView):
    """Borrow into a margin account (POST), and the history of borrows, repayments and interest (GET)."""

    pagination_class = HistoryPagination

    @extend_schema(
        tags=[MONEY],
        parameters=[ACCOUNT_PARAM, ASSET_PARAM, query("kind", "Only this kind of event.", enum=LoanEvent.Kind.values)],
        responses=LoanEventOutputSerializer(many=True),
    )
    def get(self, request):
        items = history.loan_event_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=LoanEventOutputSerializer)

    @extend_schema(tags=[MONEY], request=LoanInputSerializer, responses={201: LoanEventOutputSerializer})
    def post(self, request):
        serializer = LoanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = loans.loan_borrow(
            user=request.user, account_id=data["account"], asset=data["asset"], amount=data["amount"]
        )
        return Response(LoanEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class RepaymentApi(APIView):
    """Repay from the account's free balance: interest first, then principal."""

    @extend_schema(tags=[MONEY], request=LoanInputSerializer, responses={201: LoanEventOutputSerializer})
    def post(self, request):
        serializer = LoanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = loans.loan_repay(
            user=request.user, account_id=data["account"], asset=data["asset"], amount=data["amount"]
        )
        return Response(LoanEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


# --- orders and trades --------------------------------------------------------------------------------


class OrderOutputSerializer(serializers.Serializer):
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

    class InputSerializer(serializers.Serializer):
        account = id_field()
        symbol = serializers.CharField(max_length=32)
        side = serializers.ChoiceField(choices=Order.Side.choices)
        type = serializers.ChoiceField(choices=Order.Type.choices, default=Order.Type.MARKET)
        quantity = AmountInputField(required=False, allow_null=True, help_text="In the base asset.")
        quote_quantity = AmountInputField(required=False, allow_null=True, help_text="MARKET only: in the quote asset.")
        price = AmountInputField(required=False, allow_null=True)
        stop_price = AmountInputField(required=False, allow_null=True)
        time_in_force = serializers.ChoiceField(choices=Order.TimeInForce.choices, required=False, allow_null=True)
        side_effect = serializers.ChoiceField(choices=Order.SideEffect.choices, required=False, allow_null=True)
        client_order_id = serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            help_text="Yours, for idempotency: 1-36 of [A-Za-z0-9_.:-].",
        )
        auto_repay_at_cancel = serializers.BooleanField(required=False, default=True)

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


# --- staff --------------------------------------------------------------------------------------------


class PlatformSettingsApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        maker_fee = AmountInputField(required=False, help_text="e.g. 0.001 = 0.1 %")
        taker_fee = AmountInputField(required=False)
        slippage_bps = AmountInputField(required=False, help_text="Market slippage in basis points.")
        liquidation_fee = AmountInputField(required=False)
        risk_profile = serializers.CharField(required=False, max_length=32, help_text="classic or binance-2025")

    class OutputSerializer(serializers.Serializer):
        maker_fee = RatioField()
        taker_fee = RatioField()
        slippage_bps = RatioField()
        liquidation_fee = RatioField()
        risk_profile = serializers.CharField(source="risk_profile.name")
        starting_balance = amount_field()
        isolated_account_limit = serializers.IntegerField()
        max_fill_notional = amount_field()

    @extend_schema(tags=[ADMIN], responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(selectors.platform_settings_get()).data)

    @extend_schema(tags=[ADMIN], request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        settings = platform.platform_settings_update(**serializer.validated_data)
        return Response(self.OutputSerializer(settings).data)


class AssetAdminApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        daily_interest_rate = AmountInputField(required=False, help_text="e.g. 0.0002 = 0.02 % a day")
        borrow_limit = AmountInputField(required=False, help_text="Most one margin account may owe (principal).")

    @extend_schema(tags=[ADMIN], request=InputSerializer, responses=AssetListApi.OutputSerializer)
    def patch(self, request, code: str):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = platform.asset_update(code=code, **serializer.validated_data)
        return Response(AssetListApi.OutputSerializer(asset).data)
