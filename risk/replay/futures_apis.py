"""``GET /api/v1/futures/liquidations/{id}/replay``: the explained replay of one of the caller's futures
liquidations (another user's is a 404, like any id that is not theirs)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import RatioField, amount_field
from futures.apis.common import FUTURES, signed_field
from risk.replay.futures_build import futures_liquidation_replay_get
from risk.replay.futures_serialize import futures_replay_data


class FuturesReplayPositionSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    position_amt = signed_field()
    entry_price = amount_field()
    margin_type = serializers.CharField()
    leverage = serializers.IntegerField()
    isolated_margin = amount_field()
    mark_price = amount_field()
    unrealized_pnl = signed_field()
    maintenance = amount_field()
    margin_ratio = RatioField(allow_null=True)
    liquidation_price = amount_field(allow_null=True)


class FuturesReplayPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    source = serializers.ChoiceField(  # type: ignore[assignment]  # the field's name, not DRF's `source`
        choices=["action", "price", "event"],
        help_text="action: a journal entry of the wallet; price: a 1-minute candle of the index; event: the record.",
    )
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    margin_ratio = RatioField(
        allow_null=True, help_text="The ratio that liquidated: the isolated position's own, or the cross account's."
    )
    cross_margin_ratio = RatioField(allow_null=True)
    wallet_balance = signed_field()
    cross_wallet_balance = signed_field()
    cross_margin_balance = signed_field()
    cross_maintenance = amount_field()
    mark_price = amount_field(allow_null=True, help_text="The mark of the liquidated symbol.")
    marks = serializers.DictField(child=amount_field(), help_text="Mark price of each symbol held.")
    positions = FuturesReplayPositionSerializer(many=True)


class FuturesReplayBracketSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    notional = amount_field()
    bracket_floor = amount_field()
    bracket_cap = amount_field()
    max_leverage = serializers.IntegerField()
    maint_margin_ratio = RatioField()
    maint_amount = amount_field()
    maintenance = amount_field()
    mark_price = amount_field()


class FuturesReplayRuleSerializer(serializers.Serializer):
    name = serializers.CharField()
    margin_type = serializers.CharField()
    margin_balance = signed_field()
    maintenance = amount_field()
    margin_ratio = RatioField(allow_null=True)
    brackets = FuturesReplayBracketSerializer(many=True)
    sentence = serializers.CharField()


class FuturesReplaySoldSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    side = serializers.CharField()
    quantity = amount_field()
    price = amount_field()
    quote_quantity = amount_field()
    realized_pnl = signed_field()
    fee = amount_field()


class FuturesReplayWhatIfSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["margin", "largest_move", "other_mode", "lower_leverage"])
    value = RatioField(allow_null=True)
    sentence = serializers.CharField()


class FuturesReplayOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["futures_liquidation"])
    account = serializers.IntegerField()
    margin_type = serializers.CharField()
    symbol = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    rule = FuturesReplayRuleSerializer()
    timeline = FuturesReplayPointSerializer(many=True)
    truncated = serializers.BooleanField()
    sold = FuturesReplaySoldSerializer(many=True)
    outcome = serializers.DictField(child=signed_field())
    what_would_have_saved_it = FuturesReplayWhatIfSerializer(many=True)


class FuturesLiquidationReplayApi(APIView):
    @extend_schema(tags=[FUTURES], responses=FuturesReplayOutputSerializer, operation_id="futures_liquidation_replay")
    def get(self, request, liquidation_id: int):
        replay = futures_liquidation_replay_get(user=request.user, liquidation_id=liquidation_id)
        return Response(FuturesReplayOutputSerializer(futures_replay_data(replay)).data)
