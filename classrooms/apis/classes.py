"""/api/v1/classes: the caller's classes, creating one (instructors), joining one by its code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from classrooms import selectors
from classrooms.apis.common import CLASSES, ClassOutputSerializer
from classrooms.services import classes
from core.fields import AmountInputField, StrictBooleanField, StrictCharField
from core.pagination import PagePagination


class ClassListApi(APIView):
    """The classes you teach or joined (GET); a new class (POST, instructors only)."""

    pagination_class = PagePagination

    class InputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=100)
        starting_balance = AmountInputField(help_text="USDT each member's class spot wallet starts with.")
        symbols = serializers.ListField(
            child=StrictCharField(max_length=32), min_length=1, max_length=20, help_text="Main pairs, e.g. BTCUSDT."
        )
        risk_profile = StrictCharField(
            max_length=32, required=False, help_text="classic or binance-2025; omitted: the platform's."
        )
        maker_fee = AmountInputField(required=False, help_text="0 to 0.01 (1 %); omitted: the platform's.")
        taker_fee = AmountInputField(required=False, help_text="0 to 0.01 (1 %); omitted: the platform's.")
        futures = StrictBooleanField(
            required=False, default=False, help_text="The class trades its pairs' perpetuals too (USDⓈ-M)."
        )

    @extend_schema(tags=[CLASSES], responses=ClassOutputSerializer(many=True))
    def get(self, request):
        items = selectors.classroom_list_for_user(user=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(
            ClassOutputSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(tags=[CLASSES], request=InputSerializer, responses={201: ClassOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        classroom = classes.classroom_create(instructor=request.user, **serializer.validated_data)
        return Response(
            ClassOutputSerializer(classroom, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class ClassDetailApi(APIView):
    @extend_schema(tags=[CLASSES], responses=ClassOutputSerializer)
    def get(self, request, classroom_id: int):
        classroom = selectors.classroom_get_for_user(user=request.user, classroom_id=classroom_id)
        return Response(ClassOutputSerializer(classroom, context={"request": request}).data)


class ClassJoinApi(APIView):
    """Join a class with its code: your class accounts (a funded spot wallet and a cross account) are made.
    201 when you joined now, 200 when you were a member already."""

    class InputSerializer(serializers.Serializer):
        code = StrictCharField(max_length=16)

    @extend_schema(
        tags=[CLASSES], request=InputSerializer, responses={200: ClassOutputSerializer, 201: ClassOutputSerializer}
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership, created = classes.membership_join(user=request.user, code=serializer.validated_data["code"])
        return Response(
            ClassOutputSerializer(membership.classroom, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
