from django.contrib.auth.views import LogoutView
from django.urls import path

from trading.signup_throttle import signup_throttled
from trading.views import account, auth, book, dashboard, live, markets, money, orders, preview

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only: a link or an image cannot sign anybody out.
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", signup_throttled(auth.signup), name="signup"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/isolated", dashboard.isolated_open, name="isolated-open"),
    path("accounts/<id:account_id>/", account.account_detail, name="account"),
    path("accounts/<id:account_id>/live", live.account_live, name="account-live"),
    path("accounts/<id:account_id>/order", orders.order_create, name="account-order"),
    path("accounts/<id:account_id>/order/preview", preview.order_preview_view, name="account-order-preview"),
    path("accounts/<id:account_id>/orders/cancel-all", orders.orders_cancel_all_view, name="account-cancel-all"),
    path("accounts/<id:account_id>/transfer", money.transfer_view, name="account-transfer"),
    path("accounts/<id:account_id>/borrow", money.borrow_view, name="account-borrow"),
    path("accounts/<id:account_id>/repay", money.repay_view, name="account-repay"),
    path("accounts/<id:account_id>/leverage", money.leverage_view, name="account-leverage"),
    path("accounts/<id:account_id>/reset", money.reset_view, name="account-reset"),
    path("accounts/<id:account_id>/max/<slug:kind>", live.max_hint, name="account-max"),
    path("orders/<id:order_id>/cancel", orders.order_cancel_view, name="order-cancel"),
    path("markets/", markets.markets, name="markets"),
    path("markets/<code:symbol>/candles.json", markets.candles_json, name="candles"),
    path("live/depth", book.depth_live, name="depth-live"),
    path("live/dashboard", live.dashboard_live, name="dashboard-live"),
    path("live/prices", live.prices_live, name="prices-live"),
]
