"""``GET /api/v1/liquidations/{id}/replay`` and ``GET /api/v1/margin-calls/{id}/replay``: the explained replay of
one of the caller's liquidations or margin calls (another user's is a 404, like any id that is not theirs)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import RatioField, amount_field
from risk.replay.build import liquidation_replay_get, margin_call_replay_get
from risk.replay.serialize import replay_data

RISK = "risk"


class ReplayPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    source = serializers.ChoiceField(  # type: ignore[assignment]  # the field's name, not DRF's `source`
        choices=["action", "price", "status", "event"],
        help_text="action: a journal entry; price: a 1-minute price candle; status: the engine; event: the record.",
    )
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    margin_level = RatioField(allow_null=True)
    status = serializers.CharField()
    asset_value = amount_field()
    debt_value = amount_field()
    prices = serializers.DictField(child=amount_field(), help_text="Mark price of each asset held.")


class ReplayLinesSerializer(serializers.Serializer):
    initial = RatioField()
    margin_call = RatioField()
    liquidation = RatioField()


class ReplayRuleSerializer(serializers.Serializer):
    name = serializers.CharField()
    line = RatioField()
    level = RatioField(allow_null=True)
    asset_value = amount_field()
    debt_value = amount_field()
    profile = serializers.CharField()
    sentence = serializers.CharField()


class ReplaySoldSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    side = serializers.CharField()
    quantity = amount_field()
    price = amount_field()
    quote_quantity = amount_field()
    fee = amount_field()
    fee_asset = serializers.CharField()


class ReplayWhatIfSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["collateral", "largest_fall", "other_mode", "lower_leverage"])
    value = RatioField(allow_null=True)
    sentence = serializers.CharField()


class ReplayOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["liquidation", "margin_call"])
    account = serializers.IntegerField()
    account_kind = serializers.CharField()
    symbol = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    profile = serializers.CharField()
    lines = ReplayLinesSerializer()
    rule = ReplayRuleSerializer()
    timeline = ReplayPointSerializer(many=True)
    truncated = serializers.BooleanField()
    sold = ReplaySoldSerializer(many=True)
    outcome = serializers.DictField(child=amount_field())
    what_would_have_saved_it = ReplayWhatIfSerializer(many=True)


class LiquidationReplayApi(APIView):
    @extend_schema(tags=[RISK], responses=ReplayOutputSerializer, operation_id="liquidation_replay")
    def get(self, request, liquidation_id: int):
        replay = liquidation_replay_get(user=request.user, liquidation_id=liquidation_id)
        return Response(ReplayOutputSerializer(replay_data(replay)).data)


class MarginCallReplayApi(APIView):
    @extend_schema(tags=[RISK], responses=ReplayOutputSerializer, operation_id="margin_call_replay")
    def get(self, request, margin_call_id: int):
        replay = margin_call_replay_get(user=request.user, margin_call_id=margin_call_id)
        return Response(ReplayOutputSerializer(replay_data(replay)).data)
