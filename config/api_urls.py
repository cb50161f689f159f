"""The REST API, version 1 (mounted at ``/api/v1/``), and the JSON answers for what no view handles."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views import defaults

from config.exceptions import error_body

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("trading.api_urls")),
    path("", include("futures.api_urls")),
    path("", include("risk.api_urls")),
    path("", include("classrooms.api_urls")),
]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception=None):
    """handler404: an unknown API path (or an id too long to be one) answers in the API's error shape."""
    if _is_api(request):
        return JsonResponse(error_body(code="not_found", message="Not found."), status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception=None):
    """handler400: e.g. a request Django refuses before any view (a suspicious operation)."""
    if _is_api(request):
        return JsonResponse(error_body(code="bad_request", message="Bad request."), status=400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest):
    """handler500: a bug; an API client still gets the error shape rather than an HTML page."""
    if _is_api(request):
        return JsonResponse(error_body(code="server_error", message="Server error."), status=500)
    return defaults.server_error(request)
