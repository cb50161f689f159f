from django.urls import path

from futures import views

urlpatterns = [
    path("futures/", views.futures_index, name="futures-index"),
    path("futures/summary", views.futures_summary, name="futures-summary"),
    path("futures/<code:symbol>/", views.futures_page, name="futures"),
    path("futures/<code:symbol>/live", views.futures_live, name="futures-live"),
    path("futures/<code:symbol>/depth", views.futures_depth, name="futures-depth"),
    path("futures/<code:symbol>/action", views.futures_action, name="futures-action"),
    path("futures/<code:symbol>/preview", views.futures_preview, name="futures-preview"),
]
