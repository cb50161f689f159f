"""What every app's REST API shares: ids in paths, query parameters, amount and ratio fields, and the
error shape as the OpenAPI schema shows it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from core.money import AMOUNT_PLACES, PLAIN_DECIMAL_PATTERN

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


# --- fields -------------------------------------------------------------------------------------------


# --- strict input fields: a JSON value of the type the schema says, not one DRF can coerce into it ---------
# DRF's own fields take 0 for a string, "5" for an integer and "yes" or 0 for a boolean: the schema says
# otherwise, so a client that trusts it could never tell that its mistake was guessed at.


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def id_field(**kwargs) -> serializers.IntegerField:
    return StrictIntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def amount_field(**kwargs) -> serializers.DecimalField:
    """An amount or a price on the way out: a string with 8 decimal places, like the database keeps it."""
    kwargs.setdefault("read_only", True)
    # 40 digits: a value (an amount times a price) can outgrow the 32-digit columns it comes from.
    return serializers.DecimalField(max_digits=40, decimal_places=AMOUNT_PLACES, **kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "decimal", "pattern": PLAIN_DECIMAL_PATTERN, "example": "100.5"},
            {"type": "integer"},
        ],
        "description": "A plain decimal number (digits and one dot), best given as a string; JSON floats are "
        "refused: they are not exact.",
    }
)
class AmountInputField(serializers.Field):
    """An amount on the way in: a string or a JSON integer, handed to the service as it came.

    The service owns the rules (``trading.services.common.clean_amount``: a plain decimal, positive, at
    most 8 decimals, not a float); the serializer only refuses what cannot be a number at all (lists,
    objects, booleans).
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


# --- the error shape, for the schema ------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. `invalid`, `not_found`, `margin_rule`.")
    message = serializers.CharField(help_text="For a person.")
    # The serializer's metaclass takes declared fields out of the class, so this does not hide Serializer.fields.
    fields = serializers.DictField(help_text="Input field -> its problems; empty when no field is to blame.")  # type: ignore[assignment]


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns: ``{"error": {"code", "message", "fields"}}`` (config.exceptions)."""

    error = ErrorDetailSerializer()
