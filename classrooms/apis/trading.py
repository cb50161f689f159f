"""/api/v1/classes/{id}/accounts, orders, transfers, loans: a member trading in the class."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from classrooms import selectors
from classrooms.apis.common import CLASSES
from classrooms.services import trading as member_trading
from core.fields import StrictCharField, StrictIntegerField
from core.pagination import PagePagination, paginated_response
from trading.apis.accounts import AccountOutputSerializer
from trading.apis.money import LoanEventOutputSerializer, LoanInputSerializer, TransferApi, TransferOutputSerializer
from trading.apis.orders import OrderApi, OrderOutputSerializer
from trading.selectors import account_summary_get


class ClassAccountListApi(APIView):
    """Your accounts in the class, valued at the class's prices."""

    pagination_class = PagePagination

    @extend_schema(tags=[CLASSES], responses=AccountOutputSerializer(many=True))
    def get(self, request, classroom_id: int):
        classroom = selectors.classroom_get_for_user(user=request.user, classroom_id=classroom_id)
        membership = selectors.membership_get(user=request.user, classroom=classroom)
        items = selectors.member_summaries(membership=membership)
        return paginated_response(view=self, request=request, items=items, serializer_class=AccountOutputSerializer)


class ClassIsolatedApi(APIView):
    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32, help_text="The main symbol (ETHUSDT) or the class's own.")
        leverage = StrictIntegerField(required=False)

    @extend_schema(tags=[CLASSES], request=InputSerializer, responses={201: AccountOutputSerializer})
    def post(self, request, classroom_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = member_trading.member_isolated_open(
            user=request.user, classroom_id=classroom_id, **serializer.validated_data
        )
        return Response(AccountOutputSerializer(account_summary_get(account=account)).data, status=201)


class ClassOrderApi(APIView):
    """Place an order in one of your class accounts (the fields of POST /api/v1/orders)."""

    @extend_schema(tags=[CLASSES], request=OrderApi.InputSerializer, responses={201: OrderOutputSerializer})
    def post(self, request, classroom_id: int):
        serializer = OrderApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = member_trading.member_order_place(
            user=request.user, classroom_id=classroom_id, account_id=data.pop("account"), **data
        )
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class ClassOrderDetailApi(APIView):
    @extend_schema(tags=[CLASSES], request=None, responses=OrderOutputSerializer)
    def delete(self, request, classroom_id: int, order_id: int):
        order = member_trading.member_order_cancel(user=request.user, classroom_id=classroom_id, order_id=order_id)
        return Response(OrderOutputSerializer(order).data)


class ClassTransferApi(APIView):
    @extend_schema(tags=[CLASSES], request=TransferApi.InputSerializer, responses={201: TransferOutputSerializer})
    def post(self, request, classroom_id: int):
        serializer = TransferApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = member_trading.member_transfer(
            user=request.user,
            classroom_id=classroom_id,
            from_account_id=data["from_account"],
            to_account_id=data["to_account"],
            asset=data["asset"],
            amount=data["amount"],
        )
        return Response(TransferOutputSerializer(transfer).data, status=status.HTTP_201_CREATED)


def _loan_api(*, repay: bool):
    class LoanApi(APIView):
        @extend_schema(tags=[CLASSES], request=LoanInputSerializer, responses={201: LoanEventOutputSerializer})
        def post(self, request, classroom_id: int):
            serializer = LoanInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            event = member_trading.member_loan(
                user=request.user,
                classroom_id=classroom_id,
                account_id=data["account"],
                asset=data["asset"],
                amount=data["amount"],
                repay=repay,
            )
            return Response(LoanEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)

    LoanApi.__name__ = LoanApi.__qualname__ = "ClassRepaymentApi" if repay else "ClassLoanApi"
    LoanApi.__doc__ = "Repay a class loan." if repay else "Borrow in a class margin account."
    return LoanApi


ClassLoanApi = _loan_api(repay=False)
ClassRepaymentApi = _loan_api(repay=True)
