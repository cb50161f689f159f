"""Every API error has one shape: {"error": {"code", "message", "fields"}}."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from config.exceptions import exception_handler
from core.errors import ApplicationError, Conflict, InsufficientBalance, NotFound


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=32, decimal_places=8, min_value=0)


class Raising(APIView):
    """Raises whatever the test hands it, the way a service called by a real view would."""

    permission_classes = [AllowAny]
    error: Exception | None = None

    def post(self, request):
        if self.error is not None:
            raise self.error
        QuantitySerializer(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


def call(*, error=None, data=None, user=None, permission=AllowAny):
    request = APIRequestFactory().post("/", data or {}, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    response = Raising.as_view(error=error, permission_classes=[permission])(request)
    response.render()
    return response


def test_application_error_keeps_its_code_message_fields_and_status():
    response = call(error=InsufficientBalance("Not enough USDT.", fields={"amount": ["Exceeds free balance."]}))

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "insufficient_balance",
            "message": "Not enough USDT.",
            "fields": {"amount": ["Exceeds free balance."]},
        }
    }


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("Account not found."), 404, "not_found"),
        (Conflict("Already enabled.", code="isolated_exists"), 409, "isolated_exists"),
        (ApplicationError("Too fast.", code="slow_down", status=429), 429, "slow_down"),
    ],
)
def test_application_error_subclasses_and_overrides(error, status, code):
    response = call(error=error)

    assert response.status_code == status
    assert response.data == {"error": {"code": code, "message": error.message, "fields": {}}}


def test_validation_error_is_400_invalid_with_fields_and_a_readable_message():
    response = call(data={"quantity": "-1"})

    assert response.status_code == 400
    error = response.data["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"quantity": ["Ensure this value is greater than or equal to 0."]}
    assert error["message"] == "quantity: Ensure this value is greater than or equal to 0."


def test_validation_error_without_a_field_goes_under_non_field_errors():
    response = call(error=exceptions.ValidationError("Pick a pair first."))

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "Pick a pair first.",
            "fields": {"non_field_errors": ["Pick a pair first."]},
        }
    }


def test_django_validation_error_becomes_400_invalid():
    response = call(error=DjangoValidationError({"price": ["Not a multiple of the tick size 0.01."]}))

    assert response.status_code == 400
    assert response.data["error"] == {
        "code": "invalid",
        "message": "price: Not a multiple of the tick size 0.01.",
        "fields": {"price": ["Not a multiple of the tick size 0.01."]},
    }


def test_anonymous_is_401_not_authenticated():
    response = call(permission=IsAuthenticated)

    assert response.status_code == 401
    assert response.data["error"]["code"] == "not_authenticated"
    assert response.data["error"]["fields"] == {}


def test_authentication_failed_is_401():
    response = call(error=exceptions.AuthenticationFailed("Invalid token."))

    assert response.status_code == 401
    assert response.data["error"] == {"code": "authentication_failed", "message": "Invalid token.", "fields": {}}


def test_not_allowed_is_403_permission_denied():
    user = get_user_model()(username="not-staff")

    response = call(user=user, permission=IsAdminUser)

    assert response.status_code == 403
    assert response.data["error"]["code"] == "permission_denied"


def test_django_permission_denied_is_403():
    response = call(error=DjangoPermissionDenied())

    assert response.status_code == 403
    assert response.data["error"]["code"] == "permission_denied"


def test_http404_is_404_not_found():
    response = call(error=Http404("No Order matches the given query."))

    assert response.status_code == 404
    assert response.data["error"] == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_throttled_is_429_with_retry_after():
    response = call(error=exceptions.Throttled(wait=30))

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.data["error"]["code"] == "throttled"
    assert "30 seconds" in response.data["error"]["message"]


def test_an_unexpected_exception_is_left_to_become_a_500():
    assert exception_handler(RuntimeError("bug"), {}) is None
