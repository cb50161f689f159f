"""REST doors of the accounts app: API tokens and who the caller is.

Sign-up is ``trading.apis.RegisterApi``: it provisions trading accounts, which this app cannot import.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.validators import PASSWORD_MAX_LENGTH
from core.errors import ApplicationError
from core.fields import StrictCharField
from core.pagination import PagePagination, paginated_response
from core.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

TAGS = ["auth"]


class CredentialsApi(APIView):
    """A door for anybody with a username and a password: sign-up and token creation share a tighter
    throttle (`auth`, per address or user) on top of the usual ones."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth"


class CredentialsInputSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The key's first 8 characters, to tell tokens apart.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class NewTokenOutputSerializer(TokenOutputSerializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only once.")


def _new_token_response(token, key: str) -> Response:
    data = TokenOutputSerializer(token).data | {"token": key}
    return Response(data, status=status.HTTP_201_CREATED)


class TokenObtainApi(CredentialsApi):
    """Trade a username and password for a new API token (django-axes counts the failures)."""

    class InputSerializer(CredentialsInputSerializer):
        name = StrictCharField(max_length=64, required=False, allow_blank=True)

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: NewTokenOutputSerializer}, auth=[])
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                # Our 429 in the one error shape instead of django-axes' lockout page.
                django_request.axes_locked_out = False
                raise ApplicationError(
                    "Too many failed sign-in attempts: try again later.", code="locked_out", status=429
                )
            raise exceptions.AuthenticationFailed("Incorrect username or password.")
        token, key = services.token_create(user=user, name=data.get("name") or "API token")
        return _new_token_response(token, key)


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.CharField(allow_blank=True)
        is_staff = serializers.BooleanField()
        date_joined = serializers.DateTimeField()

    @extend_schema(tags=TAGS, responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class TokenListApi(APIView):
    """The caller's personal API tokens (never their keys), and a new one."""

    pagination_class = PagePagination

    class InputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=64, required=False, allow_blank=True)

    @extend_schema(tags=TAGS, responses=TokenOutputSerializer(many=True))
    def get(self, request):
        return paginated_response(
            view=self,
            request=request,
            items=selectors.token_list(user=request.user),
            serializer_class=TokenOutputSerializer,
        )

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: NewTokenOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.token_create(user=request.user, name=serializer.validated_data.get("name"))
        return _new_token_response(token, key)


class TokenRevokeApi(APIView):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request, token_id: int):
        services.token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
