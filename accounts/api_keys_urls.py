from django.urls import path

from accounts import api_keys_apis

urlpatterns = [
    path("api-keys", api_keys_apis.ApiKeyListApi.as_view(), name="api-api-keys"),
    path("api-keys/<id:api_key_id>", api_keys_apis.ApiKeyRevokeApi.as_view(), name="api-api-key"),
]
