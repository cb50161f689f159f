"""/api/v1 accounts (list, detail, leverage, isolated, reset, max borrowable, transferable, repayable) and positions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import RatioField, StrictCharField, StrictIntegerField, amount_field, query
from core.pagination import PagePagination, paginated_response
from core.serializers import OutputSerializer
from trading import selectors
from trading.apis.common import ACCOUNTS, MONEY
from trading.margin import Status
from trading.models import AccountKind
from trading.services import accounts as account_services
from trading.services import loans

# --- accounts -----------------------------------------------------------------------------------------


class BalanceOutputSerializer(OutputSerializer):
    asset = serializers.CharField(source="asset.code")
    free = amount_field()
    locked = amount_field(help_text="Reserved by open orders; still counts as an asset for the margin level.")
    borrowed = amount_field()
    interest = amount_field(help_text="Unpaid interest.")
    net = amount_field(help_text="free + locked - borrowed - interest")


class TierOutputSerializer(OutputSerializer):
    """One tier of an isolated pair's tiered leverage, with the ratios it sets under the profile in force."""

    tier = serializers.IntegerField()
    effective_multiple = RatioField(help_text="The tier's maximum leverage.")
    initial = RatioField(source="ratios.initial")
    margin_call = RatioField(source="ratios.margin_call")
    liquidation = RatioField(source="ratios.liquidation")
    base_max_borrowable = amount_field(help_text="Most base asset borrowed (principal) in this tier.")
    quote_max_borrowable = amount_field(help_text="Most quote asset borrowed (principal) in this tier.")


class AccountOutputSerializer(OutputSerializer):
    """An account with its balances, valued at mark prices in USDT (a ``selectors.AccountSummary``)."""

    id = serializers.IntegerField(source="account.pk")
    kind = serializers.ChoiceField(
        source="account.kind", choices=[AccountKind.SPOT, AccountKind.CROSS, AccountKind.ISOLATED]
    )
    symbol = serializers.CharField(source="account.pair.symbol", allow_null=True, help_text="Isolated accounts only.")
    leverage = serializers.IntegerField(source="account.leverage", allow_null=True)
    margin_level = RatioField(allow_null=True, help_text="Total asset value / total debt; null without debt.")
    status = serializers.ChoiceField(choices=[s.value for s in Status])
    rules = serializers.CharField(
        source="ratios.rules",
        allow_null=True,
        default=None,
        help_text='The risk profile and mode in force, e.g. "classic · Cross Margin Pro 10x"; null for spot.',
    )
    pro_margin_level = RatioField(
        allow_null=True,
        help_text="Cross Margin Pro (cross 10x) only: net equity / maintenance margin, liquidated at 1.0.",
    )
    tier = serializers.IntegerField(
        source="ratios.tier",
        allow_null=True,
        default=None,
        help_text="Isolated tiered leverage: the tier the borrowed amounts put the account in (null elsewhere).",
    )
    tiers = serializers.SerializerMethodField(
        help_text="Isolated accounts: the pair's tiers at the account's leverage (by amount borrowed); null "
        "for other accounts."
    )
    is_frozen = serializers.BooleanField(source="account.is_frozen")
    total_asset_value = amount_field()
    total_debt = amount_field()
    balances = BalanceOutputSerializer(many=True)

    @extend_schema_field(TierOutputSerializer(many=True, allow_null=True))
    def get_tiers(self, summary) -> list | None:
        rows = selectors.account_tier_table(account=summary.account)
        return None if rows is None else list(TierOutputSerializer(rows, many=True).data)


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
        leverage = StrictIntegerField(
            help_text="Cross: 3 or 5 (Cross Margin Classic) or 10 (Cross Margin Pro; switching needs a margin "
            "level above 1.25, back to Classic above its initial ratio). Isolated: 3, 5 or 10, up to the pair's "
            "maximum."
        )

    @extend_schema(tags=[ACCOUNTS], responses=AccountOutputSerializer)
    def get(self, request, account_id: int):
        summary = selectors.account_summary_get_for_user(user=request.user, account_id=account_id)
        return Response(AccountOutputSerializer(summary).data)

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
        symbol = StrictCharField(max_length=32)
        leverage = StrictIntegerField(required=False, help_text="Default: the pair's maximum.")

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
    """The most of ``asset`` the account can borrow now (what POST /loans then accepts)."""

    class QuerySerializer(serializers.Serializer):
        asset = StrictCharField(max_length=16)

    class OutputSerializer(serializers.Serializer):
        account = serializers.IntegerField()
        asset = serializers.CharField()
        amount = amount_field()

    def maximum(self, *, user, account_id: int, asset: str):
        return loans.max_borrowable_get(user=user, account_id=account_id, asset=asset)

    @extend_schema(
        tags=[MONEY],
        parameters=[query("asset", "The asset, e.g. USDT.", required=True)],
        responses=OutputSerializer,
    )
    def get(self, request, account_id: int):
        params = self.QuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        asset = params.validated_data["asset"]
        amount = self.maximum(user=request.user, account_id=account_id, asset=asset)
        return Response(self.OutputSerializer({"account": account_id, "asset": asset.upper(), "amount": amount}).data)


class MaxTransferableApi(MaxBorrowableApi):
    """The most of ``asset`` that can leave the account now (what POST /transfers then accepts out of it)."""

    def maximum(self, *, user, account_id: int, asset: str):
        account = selectors.account_get_for_user(user=user, account_id=account_id)
        return selectors.max_transferable_get(account=account, asset=asset)


class MaxRepayableApi(MaxBorrowableApi):
    """The most a repayment of ``asset`` can be now: what is owed (due hours counted), as far as free reaches."""

    def maximum(self, *, user, account_id: int, asset: str):
        account = selectors.account_get_for_user(user=user, account_id=account_id)
        return loans.max_repayable_get(account=account, asset=asset)


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
