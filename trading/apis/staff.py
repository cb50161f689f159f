"""/api/v1 staff settings and assets (staff only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import AmountInputField, RatioField, StrictCharField, amount_field
from trading import selectors
from trading.apis.common import ADMIN
from trading.apis.market import AssetListApi
from trading.services import platform

# --- staff --------------------------------------------------------------------------------------------


class PlatformSettingsApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        maker_fee = AmountInputField(required=False, help_text="e.g. 0.001 = 0.1 %")
        taker_fee = AmountInputField(required=False)
        slippage_bps = AmountInputField(required=False, help_text="Market slippage in basis points.")
        liquidation_fee = AmountInputField(required=False)
        risk_profile = StrictCharField(required=False, max_length=32, help_text="classic or binance-2025")
        fill_model = StrictCharField(
            required=False,
            max_length=8,
            help_text="BOOK: orders (spot, margin, futures) walk each pair's order book; FIXED: the whole order "
            "at the mark moved by slippage_bps.",
        )

    class OutputSerializer(serializers.Serializer):
        maker_fee = RatioField()
        taker_fee = RatioField()
        slippage_bps = RatioField()
        liquidation_fee = RatioField()
        risk_profile = serializers.CharField(source="risk_profile.name")
        starting_balance = amount_field()
        isolated_account_limit = serializers.IntegerField()
        max_fill_notional = amount_field()
        fill_model = serializers.CharField()

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
