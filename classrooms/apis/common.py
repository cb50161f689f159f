from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classrooms import selectors
from core.fields import RatioField, amount_field
from trading import selectors as trading_selectors

CLASSES = "classes"


class ClassPairOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField(source="source.symbol", help_text="The main pair it copies.")
    class_symbol = serializers.CharField(source="pair.symbol", help_text="Its own symbol in the class.")
    base_asset = serializers.CharField(source="pair.base.code")
    price = amount_field(source="pair.mark.price", allow_null=True)


class ClassOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    instructor = serializers.CharField(source="instructor.username")
    role = serializers.SerializerMethodField()
    join_code = serializers.SerializerMethodField(help_text="The instructor's only; null for members.")
    starting_balance = amount_field()
    is_open = serializers.BooleanField()
    futures = serializers.BooleanField(help_text="Whether the class trades perpetuals (a class futures wallet).")
    risk_profile = serializers.SerializerMethodField(help_text="The profile its margin levels follow.")
    maker_fee = serializers.SerializerMethodField()
    taker_fee = serializers.SerializerMethodField()
    pairs = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def _is_instructor(self, obj) -> bool:
        return obj.instructor_id == self.context["request"].user.pk

    def get_role(self, obj) -> str:
        return "instructor" if self._is_instructor(obj) else "member"

    def get_join_code(self, obj) -> str | None:
        return obj.join_code if self._is_instructor(obj) else None

    def get_risk_profile(self, obj) -> str:
        return trading_selectors.market_settings_get(obj.market_id).risk_profile.name

    @extend_schema_field(RatioField())
    def get_maker_fee(self, obj):
        return RatioField().to_representation(trading_selectors.market_settings_get(obj.market_id).maker_fee)

    @extend_schema_field(RatioField())
    def get_taker_fee(self, obj):
        return RatioField().to_representation(trading_selectors.market_settings_get(obj.market_id).taker_fee)

    @extend_schema_field(ClassPairOutputSerializer(many=True))
    def get_pairs(self, obj):
        return ClassPairOutputSerializer(selectors.class_pairs(classroom=obj), many=True).data


class BoardRowOutputSerializer(serializers.Serializer):
    student = serializers.CharField()
    equity = amount_field(help_text="Every class account at the class's prices, in USDT.")
    return_rate = RatioField(help_text="Equity against the starting balance: 0.1 is +10 %.")
    drawdown = RatioField(help_text="Largest fall from a peak, as a share of it.")
    margin_level = RatioField(allow_null=True, help_text="The cross account's; null without debt.")
    lowest_margin_level = RatioField(allow_null=True, help_text="The lowest of the member's margin accounts.")
    status = serializers.CharField(help_text="The worst status of the member's margin accounts.")
    margin_calls = serializers.IntegerField()
    liquidations = serializers.IntegerField()
    rank_by_return = serializers.IntegerField()
    rank_by_drawdown = serializers.IntegerField()
    liquidation_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Newest first; each explained at GET /api/v1/liquidations/{id}/replay (the instructor's too).",
    )
