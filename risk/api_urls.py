from django.urls import path

from risk import apis

urlpatterns = [
    path("margin-calls", apis.MarginCallListApi.as_view(), name="api-margin-calls"),
    path("liquidations", apis.LiquidationListApi.as_view(), name="api-liquidations"),
    path("snapshots", apis.SnapshotListApi.as_view(), name="api-snapshots"),
    path("notifications", apis.NotificationListApi.as_view(), name="api-notifications"),
    path("admin/prices", apis.AdminPriceApi.as_view(), name="api-admin-prices"),
    path("admin/sweeps", apis.AdminSweepApi.as_view(), name="api-admin-sweeps"),
]
