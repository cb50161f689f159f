from django.contrib.auth.views import LogoutView
from django.urls import path

from trading import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only: a link or an image cannot sign anybody out.
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/isolated", views.isolated_open, name="isolated-open"),
    path("accounts/<id:account_id>/", views.account_detail, name="account"),
    path("accounts/<id:account_id>/live", views.account_live, name="account-live"),
    path("accounts/<id:account_id>/order", views.order_create, name="account-order"),
    path("accounts/<id:account_id>/orders/cancel-all", views.orders_cancel_all_view, name="account-cancel-all"),
    path("accounts/<id:account_id>/transfer", views.transfer_view, name="account-transfer"),
    path("accounts/<id:account_id>/borrow", views.borrow_view, name="account-borrow"),
    path("accounts/<id:account_id>/repay", views.repay_view, name="account-repay"),
    path("accounts/<id:account_id>/leverage", views.leverage_view, name="account-leverage"),
    path("accounts/<id:account_id>/reset", views.reset_view, name="account-reset"),
    path("accounts/<id:account_id>/max/<slug:kind>", views.max_hint, name="account-max"),
    path("orders/<id:order_id>/cancel", views.order_cancel_view, name="order-cancel"),
    path("markets/", views.markets, name="markets"),
    path("markets/<code:symbol>/candles.json", views.candles_json, name="candles"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read", views.notification_read, name="notifications-read-all"),
    path("notifications/<id:notification_id>/read", views.notification_read, name="notification-read"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:token_id>/revoke", views.token_revoke, name="token-revoke"),
    path("api-keys/", views.api_keys_view, name="api-keys"),
    path("api-keys/<id:key_id>/revoke", views.api_key_revoke_view, name="api-key-revoke"),
    path("live/dashboard", views.dashboard_live, name="dashboard-live"),
    path("live/prices", views.prices_live, name="prices-live"),
    path("live/notifications", views.notifications_live, name="notifications-live"),
]
