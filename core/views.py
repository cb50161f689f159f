"""What every app's HTML views share: the sign-in guard of the htmx fragments."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from core.http import HtmxHttpRequest


def login_required_live(view: Callable) -> Callable:
    """login_required, except that an htmx poll after the session ended sends the whole page to sign-in
    instead of swapping the sign-in page into a fragment."""
    guarded = login_required(view)

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated and request.htmx:
            return HttpResponseClientRedirect(f"{reverse('login')}?next={request.htmx.current_url_abs_path or '/'}")
        return guarded(request, *args, **kwargs)

    return wrapper
