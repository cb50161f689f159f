"""The risk engine's part of the web UI: an account's margin calls and liquidations, and its margin-level
chart data (the account page itself is ``trading.views.account``; it loads these)."""

from django.urls import path

from risk import views
from risk.replay import futures_views
from risk.replay import views as replay_views

urlpatterns = [
    path("accounts/<id:account_id>/risk", views.account_risk, name="account-risk"),
    path("accounts/<id:account_id>/levels.json", views.account_levels_json, name="account-levels"),
    path("liquidations/<id:liquidation_id>/replay", replay_views.liquidation_replay, name="liquidation-replay"),
    path("margin-calls/<id:margin_call_id>/replay", replay_views.margin_call_replay, name="margin-call-replay"),
    path(
        "futures/liquidations/<id:liquidation_id>/replay",
        futures_views.futures_liquidation_replay,
        name="futures-liquidation-replay",
    ),
    path("notifications/<id:notification_id>/replay", replay_views.notification_replay, name="notification-replay"),
]
