"""The OpenAPI schema (drf-spectacular): every operation documents the one error shape, and the nested
``InputSerializer``/``OutputSerializer`` classes of the APIs get names unique across the schema."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from core.fields import ErrorSerializer

# What any operation may answer besides its success (config.exceptions renders them all the same way).
ERROR_RESPONSES = {
    "400": "Bad input: `fields` says which.",
    "401": "No credentials, or wrong ones.",
    "403": "Not allowed (staff only), or a CSRF failure with session authentication.",
    "404": "No such object, or not the caller's.",
    "409": "A conflict, e.g. a client_order_id reused for a different order.",
    "413": "The request body is too large.",
    "429": "Throttled: see Retry-After.",
}


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = description
        return responses

    def get_serializer_name(self, serializer, direction) -> str:
        # `OrderListApi.OutputSerializer` -> `OrderListApiOutput`: the nested classes all share two names.
        qualname = type(serializer).__qualname__
        if "." in qualname:
            return qualname.replace(".", "").removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)
