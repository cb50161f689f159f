"""The web sign-up form's throttle: the API's `auth` scope (core.throttling.auth_scope_wait), so an address
gets the same sign-ups a minute (DEFAULT_THROTTLE_RATES["auth"]) whichever door it uses, and one budget for both.

A decorator beside the view rather than inside it: it answers a throttled POST with the form again and the
reason on it, and leaves the view's own logic alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.throttling import auth_scope_wait
from trading.forms import SignUpForm


def signup_throttled(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not request.user.is_authenticated:
            wait = auth_scope_wait(request)
            if wait is not None:
                form = SignUpForm(request.POST)
                form.full_clean()
                form.add_error(None, f"Too many sign-ups from your address: try again in {wait} seconds.")
                response = render(request, "registration/signup.html", {"form": form}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapper
