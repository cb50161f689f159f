"""Futures REST doors: the wallet and transfers, leverage, margin type and position mode."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import (
    AmountInputField,
    RatioField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    amount_field,
)
from futures import formulas as f
from futures import selectors
from futures.apis.common import FUTURES, signed_field
from futures.models import MarginType
from futures.services import symbol_settings, wallet

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
