"""The risk engine's part of the web UI: an account's margin calls and liquidations, and its margin-level
chart data (the account page itself is ``trading.views.account``; it loads these)."""

from django.urls import path

from risk import views

urlpatterns = [
    path("accounts/<id:account_id>/risk", views.account_risk, name="account-risk"),
    path("accounts/<id:account_id>/levels.json", views.account_levels_json, name="account-levels"),
]
