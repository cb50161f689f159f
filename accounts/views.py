"""The user's own pages: personal API tokens, key pairs for the Binance-compatible API, and notifications.

Thin doors into ``accounts.services`` and ``accounts.api_keys``; another user's token, key or notification
id is a 404 (the services look them up within the user's own).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import api_keys, selectors, services
from accounts.forms import ApiKeyForm, TokenForm
from accounts.http import AuthenticatedHttpRequest
from core.errors import ApplicationError, NotFound
from core.views import login_required_live

# --- notifications ----------------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = selectors.notification_list(user=request.user)[:100]
    return render(request, "notifications.html", {"notifications": items})


def _notifications_fragment(request: AuthenticatedHttpRequest, *, with_list: bool) -> HttpResponse:
    context = {
        "unread": selectors.notification_unread_count(user=request.user),
        "notifications": selectors.notification_list(user=request.user)[:5],
        "with_list": with_list,
        "back": reverse("dashboard"),
    }
    return render(request, "partials/notifications.html", context)


@login_required_live
@require_GET
def notifications_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unread count for the top bar, and with ``?list=1`` the latest notifications (the dashboard's)."""
    return _notifications_fragment(request, with_list=request.GET.get("list") == "1")


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest, notification_id: int | None = None) -> HttpResponse:
    try:
        services.notifications_mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404("Notification not found.") from None
    if request.htmx:
        return _notifications_fragment(request, with_list=True)
    return redirect(request.POST.get("next") or "notifications" if _safe_next(request) else "notifications")


def _safe_next(request: AuthenticatedHttpRequest) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


# --- personal API tokens and key pairs --------------------------------------------------------------


def _show_once_page(
    request: AuthenticatedHttpRequest, *, form_class, create: Callable, template: str, listing: dict
) -> HttpResponse:
    """A page that makes a credential and lists the user's. What ``create`` returns (with the secret) goes
    into this response only: the secret is never stored in the clear, so it cannot be shown again."""
    form = form_class(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = create(form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            form = form_class()
    status = 400 if request.method == "POST" and created is None else 200
    return render(request, template, {"form": form, "created": created, **listing}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    def create(data: dict) -> dict:
        token, key = services.token_create(user=request.user, name=data["name"])
        return {"token": token, "key": key}

    listing = {"tokens": selectors.token_list(user=request.user)}
    return _show_once_page(request, form_class=TokenForm, create=create, template="tokens.html", listing=listing)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(user=request.user, token_id=token_id)
    except NotFound:
        raise Http404("Token not found.") from None
    messages.success(request, "The token was revoked: scripts using it are refused from now on.")
    return redirect("tokens")


@login_required
@require_http_methods(["GET", "POST"])
def api_keys_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Key pairs for the Binance-compatible API (signed requests); the secret is shown once."""

    def create(data: dict) -> dict:
        key, secret = api_keys.api_key_create(user=request.user, label=data["label"], can_trade=data["can_trade"])
        return {"key": key, "secret": secret}

    listing = {"keys": api_keys.api_key_list(user=request.user)}
    return _show_once_page(request, form_class=ApiKeyForm, create=create, template="api_keys.html", listing=listing)


@login_required
@require_POST
def api_key_revoke_view(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    try:
        api_keys.api_key_revoke(user=request.user, api_key_id=key_id)
    except NotFound:
        raise Http404("API key not found.") from None
    messages.success(request, "The key pair was revoked: requests signed with it are refused from now on.")
    return redirect("api-keys")
