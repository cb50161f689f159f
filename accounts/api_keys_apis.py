"""REST doors for Binance-style API keys (``/api/v1/api-keys``): list, create (the secret is in that answer
only) and revoke. Bots then sign requests to the Binance-compatible API with them (``trading.binance``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api_keys
from core.fields import StrictBooleanField, StrictCharField
from core.pagination import PagePagination, paginated_response

TAGS = ["auth"]


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label (the metaclass takes it)
    api_key = serializers.CharField(help_text="Send it as the `X-MBX-APIKEY` header.")
    can_trade = serializers.BooleanField(help_text="False: read-only (balances, orders); true: may also trade.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class NewApiKeyOutputSerializer(ApiKeyOutputSerializer):
    secret = serializers.CharField(help_text="Signs requests (HMAC-SHA256, as Binance). Shown only once.")


class ApiKeyListApi(APIView):
    """The caller's Binance-style API keys (never their secrets), and a new one."""

    pagination_class = PagePagination

    class InputSerializer(serializers.Serializer):
        label = StrictCharField(max_length=64, required=False, allow_blank=True)  # type: ignore[assignment]  # as above
        can_trade = StrictBooleanField(required=False, default=False)

    @extend_schema(tags=TAGS, responses=ApiKeyOutputSerializer(many=True))
    def get(self, request):
        return paginated_response(
            view=self,
            request=request,
            items=api_keys.api_key_list(user=request.user),
            serializer_class=ApiKeyOutputSerializer,
        )

    @extend_schema(tags=TAGS, request=InputSerializer, responses={201: NewApiKeyOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        api_key, secret = api_keys.api_key_create(
            user=request.user, label=data.get("label"), can_trade=data["can_trade"]
        )
        return Response(ApiKeyOutputSerializer(api_key).data | {"secret": secret}, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request, api_key_id: int):
        api_keys.api_key_revoke(user=request.user, api_key_id=api_key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
