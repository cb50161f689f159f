"""A member's class key pairs on the web: made (the secret shown in that answer only), listed, revoked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ApiKeyForm
from accounts.http import AuthenticatedHttpRequest
from classrooms.services import api_keys
from core.errors import ApplicationError, NotFound


def _or_404(action):
    """Not their class: 404; their class but not a member (its instructor): 403."""
    try:
        return action()
    except NotFound:
        raise Http404("Class not found.") from None
    except ApplicationError as error:
        raise PermissionDenied(error.message) from None


@login_required
@require_http_methods(["GET", "POST"])
def class_api_keys(request: AuthenticatedHttpRequest, classroom_id: int) -> HttpResponse:
    keys = _or_404(lambda: api_keys.member_api_key_list(user=request.user, classroom_id=classroom_id))
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = api_keys.member_api_key_create(
                user=request.user,
                classroom_id=classroom_id,
                label=form.cleaned_data["label"],
                can_trade=form.cleaned_data["can_trade"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            created, form = {"key": key, "secret": secret}, ApiKeyForm()
    status = 400 if request.method == "POST" and created is None else 200
    context = {"classroom_id": classroom_id, "form": form, "created": created, "keys": keys}
    return render(request, "classrooms/api_keys.html", context, status=status)


@login_required
@require_POST
def class_api_key_revoke(request: AuthenticatedHttpRequest, classroom_id: int, key_id: int) -> HttpResponse:
    try:
        api_keys.member_api_key_revoke(user=request.user, classroom_id=classroom_id, api_key_id=key_id)
    except NotFound:
        raise Http404("API key not found.") from None
    messages.success(request, "The key pair was revoked: requests signed with it are refused from now on.")
    return redirect("class-api-keys", classroom_id)
