"""The API's one error shape.

Every error the API returns looks like ``{"error": {"code": ..., "message": ..., "fields": {...}}}``:
``code`` is stable for programs, ``message`` is written for a person, ``fields`` maps an input field to
its problems (empty when the error is not about a field).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError

NON_FIELD = "non_field_errors"


def error_body(*, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(code=exc.code, message=exc.message, fields=exc.fields), status=exc.status)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read the body when DRF parses it.
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # e.g. more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: the client's doing, not a bug.
        exc = exceptions.ParseError(str(exc) or "Bad request.")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages})

    # DRF's own handler still does the rest: status, Retry-After, WWW-Authenticate and rolling back the
    # atomic block. Anything it does not know (None) is a bug and becomes a 500.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD: exc.detail}
        response.data = error_body(code="invalid", message=_first_message(fields), fields=fields)
        return response

    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF answers 403 when no authentication class names a WWW-Authenticate scheme (session-only
        # auth); the API promises 401 for "who are you?" so clients can tell it from "not allowed".
        response.status_code = status.HTTP_401_UNAUTHORIZED

    # DRF answers only its own exceptions (a response came back), and the Django ones were converted above.
    assert isinstance(exc, exceptions.APIException)
    code = exc.detail.code if isinstance(exc.detail, exceptions.ErrorDetail) else None
    response.data = error_body(code=code or exc.default_code, message=str(exc.detail))
    return response


def _first_message(fields: dict) -> str:
    """A one-line summary of validation errors, e.g. ``quantity: Ensure this value is greater than 0.``."""
    for name, problems in fields.items():
        while isinstance(problems, dict | list) and problems:
            problems = next(iter(problems.values())) if isinstance(problems, dict) else problems[0]
        if problems:
            return str(problems) if name == NON_FIELD else f"{name}: {problems}"
    return "Invalid input."
