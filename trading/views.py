"""The HTML pages of the minimal web UI: sign-in, sign-up, sign-out and the dashboard.

Thin doors: sign-up validates and creates through ``user_signup``; the dashboard reads through the
user's own selector.
"""

from django import forms
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.errors import ApplicationError
from trading.selectors import account_summaries_for_user
from trading.services.accounts import user_signup


class LoginView(DjangoLoginView):
    # django-axes (its backend and middleware) counts failures and locks this form out.
    redirect_authenticated_user = True


class SignUpForm(forms.Form):
    # Only the shape of the input here: user_signup owns the rules (username, Django's password
    # validators, uniqueness) and reports them per field.
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def add_application_error(self, error: ApplicationError) -> None:
        placed = False
        for field, messages in error.fields.items():
            if field in self.fields:
                for message in messages if isinstance(messages, list | tuple) else [messages]:
                    self.add_error(field, str(message))
                placed = True
        if not placed:
            self.add_error(None, error.message)


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


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard.html", {"summaries": account_summaries_for_user(user=request.user)})
