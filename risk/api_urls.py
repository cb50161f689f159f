from django.urls import path

from risk import apis
from risk.replay import apis as replay_apis
from risk.replay import futures_apis

urlpatterns = [
    path("margin-calls", apis.MarginCallListApi.as_view(), name="api-margin-calls"),
    path("liquidations", apis.LiquidationListApi.as_view(), name="api-liquidations"),
    path(
        "liquidations/<id:liquidation_id>/replay",
        replay_apis.LiquidationReplayApi.as_view(),
        name="api-liquidation-replay",
    ),
    path(
        "margin-calls/<id:margin_call_id>/replay",
        replay_apis.MarginCallReplayApi.as_view(),
        name="api-margin-call-replay",
    ),
    path(
        "futures/liquidations/<id:liquidation_id>/replay",
        futures_apis.FuturesLiquidationReplayApi.as_view(),
        name="api-futures-liquidation-replay",
    ),
    path("snapshots", apis.SnapshotListApi.as_view(), name="api-snapshots"),
    path("notifications", apis.NotificationListApi.as_view(), name="api-notifications"),
    path("admin/prices", apis.AdminPriceApi.as_view(), name="api-admin-prices"),
    path("admin/sweeps", apis.AdminSweepApi.as_view(), name="api-admin-sweeps"),
]
