"""Signing up, in and out, and changing the password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import PasswordChangeView as DjangoPasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from trading.forms import SignUpForm
from trading.services.accounts import user_signup


class LoginView(DjangoLoginView):
    # django-axes (its backend and middleware) counts failures and locks this form out.
    redirect_authenticated_user = True


class PasswordChangeView(DjangoPasswordChangeView):
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in (update_session_auth_hash)
        messages.success(self.request, "Your password was changed.")
        return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            # Two backends are configured (axes, model), so login() must be told which one vouched.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})
