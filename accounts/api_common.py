"""What every app's REST API (``<app>/apis.py``) shares: pagination, ids in paths, amount fields and the
error shape as the OpenAPI schema shows it.

It lives in the lowest app so that accounts, trading and risk can all use it without an import that
points up (``config`` -> ``risk`` -> ``trading`` -> ``accounts`` -> the margin math).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db.models import QuerySet
from django.urls import register_converter
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from trading.margin import AMOUNT_PLACES

# Ids are 64-bit: 18 digits always fit, and a longer number in a path is simply no such object (404),
# never a value the database cannot hold.
MAX_ID = 10**18 - 1


class IdConverter:
    """``<id:account_id>``: 1 to 18 digits."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class CodeConverter:
    """``<code:symbol>``: an asset code or a pair symbol, letters and digits only."""

    regex = "[A-Za-z0-9]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
register_converter(CodeConverter, "code")
# The schema shows both as SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"] says.


def query(name: str, description: str, *, type=str, enum=None, required: bool = False) -> OpenApiParameter:
    """A query parameter, for the schema."""
    if type is int:
        type = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return OpenApiParameter(
        name, type, OpenApiParameter.QUERY, required=required, enum=enum and list(enum), description=description
    )


ACCOUNT_PARAM = query(
    "account", "Only this account (one of yours; another user's is 404, like a missing one).", type=int
)
ASSET_PARAM = query("asset", "Only this asset, e.g. USDT.")
SYMBOL_PARAM = query("symbol", "Only this pair, e.g. BTCUSDT.")


# --- pagination ---------------------------------------------------------------------------------------


class PagePagination(PageNumberPagination):
    """Short lists that are not histories (markets, accounts, positions, tokens)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class HistoryPagination(CursorPagination):
    """Histories: newest first, a stable cursor however fast rows are added."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def decode_cursor(self, request):
        # DRF hands the cursor's position to the database unchecked: a forged cursor whose position is
        # not an id (or a time) would be a 500. Anything but a well-formed position is an invalid cursor.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not self.position_is_valid(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def position_is_valid(self, position: str) -> bool:
        return position.isascii() and position.isdigit() and len(position) <= 18


class CandlePagination(HistoryPagination):
    ordering = "-open_time"

    def position_is_valid(self, position: str) -> bool:
        try:
            return parse_datetime(position) is not None
        except ValueError:
            return False


def paginated_response(
    *, view: APIView, request: Request, items: QuerySet | Sequence, serializer_class: type[serializers.Serializer]
) -> Response:
    """One page of ``items`` through ``view.pagination_class``, serialized by ``serializer_class``."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- fields -------------------------------------------------------------------------------------------


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def amount_field(**kwargs) -> serializers.DecimalField:
    """An amount or a price on the way out: a string with 8 decimal places, like the database keeps it."""
    kwargs.setdefault("read_only", True)
    # 40 digits: a value (an amount times a price) can outgrow the 32-digit columns it comes from.
    return serializers.DecimalField(max_digits=40, decimal_places=AMOUNT_PLACES, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "example": "100.5",
        "description": "A decimal number, best given as a string (JSON floats are refused: they are not exact).",
    }
)
class AmountInputField(serializers.Field):
    """An amount on the way in: a string or a JSON integer, handed to the service as it came.

    The service owns the rules (positive, at most 8 decimals, not a float); the serializer only refuses
    what cannot be a number at all (lists, objects, booleans).
    """

    default_error_messages = {"invalid": "Must be a decimal number given as a string."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return str(value)


RATIO_PLACES = Decimal(1).scaleb(-AMOUNT_PLACES)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
        "example": "1.25",
        "description": "A ratio, rounded to 8 decimal places without trailing zeros.",
    }
)
class RatioField(serializers.Field):
    """A margin level or a ratio on the way out: ``"1.25"``, not ``"1.250000000000000000"``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        with localcontext(prec=80):  # a level over a tiny debt can be large: never an InvalidOperation
            rounded = Decimal(value).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP).normalize()
        return f"{rounded:f}"


# --- sign-up and sign-in -----------------------------------------------------------------------------


class CredentialsApi(APIView):
    """A door for anybody with a username and a password: sign-up and token creation share a tighter
    throttle (`auth`, per address or user) on top of the usual ones."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth"


class CredentialsInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


# --- the error shape, for the schema ------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. `invalid`, `not_found`, `margin_rule`.")
    message = serializers.CharField(help_text="For a person.")
    fields = serializers.DictField(help_text="Input field -> its problems; empty when no field is to blame.")


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns: ``{"error": {"code", "message", "fields"}}`` (config.exceptions)."""

    error = ErrorDetailSerializer()
