from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/token", apis.TokenObtainApi.as_view(), name="api-auth-token"),
    path("me", apis.MeApi.as_view(), name="api-me"),
    path("tokens", apis.TokenListApi.as_view(), name="api-tokens"),
    path("tokens/<id:token_id>", apis.TokenRevokeApi.as_view(), name="api-token"),
]
