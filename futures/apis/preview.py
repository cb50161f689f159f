"""``POST /api/v1/futures/orders/preview``: what ``POST /futures/orders`` would do with this body, without
placing it (placement itself, in a transaction rolled back: ``futures.services.orders.preview``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import RatioField, amount_field
from futures.apis.common import FUTURES, signed_field
from futures.apis.trading import FuturesOrderApi
from futures.services.orders.preview import futures_order_preview


class FuturesPreviewOutcomeSerializer(serializers.Serializer):
    margin_type = serializers.CharField(help_text="CROSSED or ISOLATED: the mode this outcome is in.")
    accepted = serializers.BooleanField(help_text="False: placement would refuse it; `refusal` says why.")
    refusal = serializers.DictField(
        allow_null=True, help_text="The error placement would answer: code, message, fields."
    )
    status = serializers.CharField(allow_null=True, help_text="The order's status as placed (none if refused).")
    executed_qty = amount_field()
    fill_price = amount_field(allow_null=True, help_text="Average fill price at once (none for a resting order).")
    fee = amount_field()
    margin_required = signed_field(help_text="What the order takes from the available balance, fee included.")
    available_before = signed_field()
    available_after = signed_field()
    position_amt_after = signed_field()
    margin_ratio_before = RatioField(allow_null=True)
    margin_ratio_after = RatioField(
        allow_null=True, help_text="The position's own ratio when isolated, the cross account's when cross."
    )
    liquidation_price_after = amount_field(allow_null=True, help_text="Estimated, of the position after the order.")


class FuturesOrderPreviewOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    outcome = FuturesPreviewOutcomeSerializer()
    other_mode = FuturesPreviewOutcomeSerializer(allow_null=True, help_text="The same order in the other margin mode.")
    other_mode_note = serializers.CharField(allow_blank=True)


class FuturesOrderPreviewApi(APIView):
    """What POST /futures/orders would do with this body, without placing it: nothing is written."""

    class InputSerializer(FuturesOrderApi.InputSerializer):
        client_order_id = None  # type: ignore[assignment]  # a preview places nothing: no idempotency key

    @extend_schema(
        tags=[FUTURES],
        request=InputSerializer,
        responses=FuturesOrderPreviewOutputSerializer,
        operation_id="futures_order_preview",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preview = futures_order_preview(user=request.user, **serializer.validated_data)
        return Response(FuturesOrderPreviewOutputSerializer(preview).data)
