"""/api/v1 transfers, loans and repayments."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import ACCOUNT_PARAM, ASSET_PARAM, AmountInputField, StrictCharField, amount_field, id_field, query
from core.pagination import HistoryPagination, paginated_response
from trading import history
from trading.apis.common import MONEY
from trading.models import LoanEvent
from trading.services import loans, transfers

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
        asset = StrictCharField(max_length=16)
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
    asset = StrictCharField(max_length=16)
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
