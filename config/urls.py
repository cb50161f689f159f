from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    # A web process that cannot reach the database is up but not healthy: 503, not a 500.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/v1/", include("accounts.api_keys_urls")),
    # /fapi first: trading.binance.urls ends with the catch-all of Binance's prefixes.
    path("", include("futures.fapi.urls")),
    path("", include("trading.binance.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("", include("trading.urls")),
    path("", include("accounts.urls")),
    path("", include("futures.urls")),
    path("", include("risk.urls")),
    path("", include("classrooms.urls")),
]

# The API answers every error in its one JSON shape, even those no view sees (an unknown path).
handler400 = "config.api_urls.bad_request"
handler404 = "config.api_urls.not_found"
handler500 = "config.api_urls.server_error"
