"""/api/v1 order book: the simulated book market orders fill against (public, like all market data)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from core.fields import amount_field
from trading import selectors
from trading.apis.common import MARKET
from trading.models import MAX_BOOK_LEVELS, Pair

DEPTH_DEFAULT = 20


class LevelSerializer(serializers.Serializer):
    price = amount_field()
    quantity = amount_field()


class DepthApi(APIView):
    """The pair's order book now: bids (best first, highest price) and asks (best first, lowest price).

    A MARKET order walks it level by level; LIMIT IOC/FOK take what it offers at their price; a
    liquidation sells into it. It moves with the mark price (and, if the pair's book has noise, its
    sizes change with each time bucket); `last_update_id` grows whenever it can have changed.
    """

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=MAX_BOOK_LEVELS, default=DEPTH_DEFAULT)

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField(source="pair.symbol")
        mark_price = amount_field(source="mark")
        last_update_id = serializers.IntegerField()
        updated_at = serializers.DateTimeField()
        bids = LevelSerializer(many=True, read_only=True)
        asks = LevelSerializer(many=True, read_only=True)

    @extend_schema(
        tags=[MARKET],
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_BOOK_LEVELS},
                OpenApiParameter.QUERY,
                description=f"Levels a side, 1 to {MAX_BOOK_LEVELS} (default {DEPTH_DEFAULT}).",
            )
        ],
        responses=OutputSerializer,
        auth=[],
    )
    def get(self, request, symbol: str):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        pair = Pair.objects.select_related("base", "quote").filter(symbol=symbol.upper()).first()
        if pair is None:
            raise NotFound(f"Unknown symbol: {symbol!r}.", code="unknown_symbol")
        book = selectors.order_book(pair=pair, limit=serializer.validated_data["limit"])
        return Response(self.OutputSerializer(book).data)
