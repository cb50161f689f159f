"""/api/v1/classes/{id}/api-keys: a member's key pairs for the Binance-compatible API in the class."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_keys_apis import ApiKeyListApi, ApiKeyOutputSerializer, NewApiKeyOutputSerializer
from classrooms.apis.common import CLASSES
from classrooms.services import api_keys
from core.pagination import PagePagination, paginated_response


class ClassApiKeyListApi(APIView):
    """Your key pairs in the class (GET) and a new one (POST): a bot signing with it trades your class
    accounts at the class's prices under Binance's names (ETHUSDT); your personal keys never reach them."""

    pagination_class = PagePagination

    @extend_schema(tags=[CLASSES], responses=ApiKeyOutputSerializer(many=True))
    def get(self, request, classroom_id: int):
        items = api_keys.member_api_key_list(user=request.user, classroom_id=classroom_id)
        return paginated_response(view=self, request=request, items=items, serializer_class=ApiKeyOutputSerializer)

    @extend_schema(tags=[CLASSES], request=ApiKeyListApi.InputSerializer, responses={201: NewApiKeyOutputSerializer})
    def post(self, request, classroom_id: int):
        serializer = ApiKeyListApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        api_key, secret = api_keys.member_api_key_create(
            user=request.user, classroom_id=classroom_id, label=data.get("label"), can_trade=data["can_trade"]
        )
        return Response(ApiKeyOutputSerializer(api_key).data | {"secret": secret}, status=status.HTTP_201_CREATED)


class ClassApiKeyRevokeApi(APIView):
    @extend_schema(tags=[CLASSES], responses={204: None})
    def delete(self, request, classroom_id: int, api_key_id: int):
        api_keys.member_api_key_revoke(user=request.user, classroom_id=classroom_id, api_key_id=api_key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
