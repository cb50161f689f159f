"""REST doors of the risk engine: the caller's margin calls, liquidations, snapshots and notifications, and
the staff's levers (a price that applies at once, a sweep run now)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from core.fields import ACCOUNT_PARAM, AmountInputField, RatioField, StrictCharField, amount_field, query
from core.pagination import HistoryPagination, paginated_response
from risk import history
from risk.models import MarginSnapshot, RiskStatus
from risk.services.sweep import sweep_all
from risk.staff import price_set_now

RISK, ADMIN = "risk", "admin"


class MarginCallListApi(APIView):
    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        account = serializers.IntegerField(source="account_id")
        margin_level = RatioField(allow_null=True)
        margin_call_ratio = RatioField()
        liquidation_ratio = RatioField()
        profile = serializers.CharField()
        asset_value = amount_field()
        debt_value = amount_field()
        created_at = serializers.DateTimeField()

    @extend_schema(tags=[RISK], parameters=[ACCOUNT_PARAM], responses=OutputSerializer(many=True))
    def get(self, request):
        items = history.margin_call_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


class LiquidationListApi(APIView):
    """Each liquidation with what explains it: prices, level, threshold and profile, balances, fee, shortfall."""

    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        account = serializers.IntegerField(source="account_id")
        account_kind = serializers.CharField()
        margin_level = RatioField(allow_null=True)
        liquidation_ratio = RatioField()
        profile = serializers.CharField()
        prices = serializers.DictField(child=serializers.CharField(), help_text="Mark prices used, by asset.")
        balances_before = serializers.DictField(child=serializers.DictField(child=serializers.CharField()))
        balances_after = serializers.DictField(child=serializers.DictField(child=serializers.CharField()))
        asset_value = amount_field()
        debt_value = amount_field()
        value_liquidated = amount_field()
        fee = amount_field()
        shortfall = amount_field(help_text="Debt the assets did not cover, paid by the insurance fund.")
        explanation = serializers.SerializerMethodField()
        created_at = serializers.DateTimeField()

        def get_explanation(self, liquidation) -> str:
            return history.liquidation_explanation(liquidation)

    @extend_schema(tags=[RISK], parameters=[ACCOUNT_PARAM], responses=OutputSerializer(many=True))
    def get(self, request):
        items = history.liquidation_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


class SnapshotListApi(APIView):
    """The margin level of an account over time: on every status change, and every interval while in debt."""

    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        account = serializers.IntegerField(source="account_id")
        margin_level = RatioField(allow_null=True)
        status = serializers.ChoiceField(choices=RiskStatus.choices)
        asset_value = amount_field()
        debt_value = amount_field()
        reason = serializers.ChoiceField(choices=MarginSnapshot.Reason.choices)
        created_at = serializers.DateTimeField()

    @extend_schema(
        tags=[RISK],
        parameters=[
            ACCOUNT_PARAM,
            query("status", "Only this status.", enum=RiskStatus.values),
            query("reason", "Only snapshots taken for this reason.", enum=MarginSnapshot.Reason.values),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        items = history.snapshot_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


class NotificationListApi(APIView):
    pagination_class = HistoryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=Notification.Kind.choices)
        title = serializers.CharField()
        body = serializers.CharField(allow_blank=True)
        account = serializers.IntegerField(source="account_ref", allow_null=True)
        created_at = serializers.DateTimeField()
        read_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        tags=[RISK],
        parameters=[
            ACCOUNT_PARAM,
            query("kind", "Only this kind.", enum=Notification.Kind.values),
            query("unread", "true: only unread ones.", type=bool),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        items = history.notification_list(user=request.user, filters=request.query_params)
        return paginated_response(view=self, request=request, items=items, serializer_class=self.OutputSerializer)


# --- staff --------------------------------------------------------------------------------------------


class SweepOutputSerializer(serializers.Serializer):
    checked = serializers.IntegerField(help_text="Accounts the sweep looked at closely.")
    status_changes = serializers.IntegerField()
    margin_calls = serializers.ListField(child=serializers.IntegerField(), help_text="Accounts sent a margin call.")
    liquidations = serializers.ListField(child=serializers.IntegerField(), help_text="Accounts liquidated.")
    snapshots = serializers.IntegerField()


class TickOutputSerializer(SweepOutputSerializer):
    skipped = serializers.BooleanField(help_text="True if another tick was running: the price is set, not swept.")
    moved = serializers.DictField(child=serializers.CharField(), help_text="Symbol -> new mark price.")
    orders_triggered = serializers.IntegerField()
    orders_filled = serializers.IntegerField()


class AdminPriceApi(APIView):
    """Set a mark price now and run a tick on it at once: resting orders match, accounts are swept."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32)
        price = AmountInputField()

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField()
        price = amount_field()
        tick = TickOutputSerializer()

    @extend_schema(tags=[ADMIN], request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        move = price_set_now(symbol=serializer.validated_data["symbol"], price=serializer.validated_data["price"])
        data = {"symbol": move.mark.pair.symbol, "price": move.mark.price, "tick": move.tick.as_dict()}
        return Response(self.OutputSerializer(data).data)


class AdminSweepApi(APIView):
    """Run mark-to-market and the liquidation sweep over every margin account now."""

    permission_classes = [IsAdminUser]

    @extend_schema(tags=[ADMIN], request=None, responses=SweepOutputSerializer)
    def post(self, request):
        return Response(SweepOutputSerializer(sweep_all().as_dict()).data)
