"""The user's own pages: notifications, API tokens and key pairs."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read", views.notification_read, name="notifications-read-all"),
    path("notifications/<id:notification_id>/read", views.notification_read, name="notification-read"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:token_id>/revoke", views.token_revoke, name="token-revoke"),
    path("api-keys/", views.api_keys_view, name="api-keys"),
    path("api-keys/<id:key_id>/revoke", views.api_key_revoke_view, name="api-key-revoke"),
    path("live/notifications", views.notifications_live, name="notifications-live"),
]
