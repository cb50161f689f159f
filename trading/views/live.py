"""The htmx fragments that keep the pages live: the dashboard's accounts, one account's figures, the price
strip and table, and the maximum beside a money form."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from core.views import login_required_live
from trading import selectors
from trading.views.account import MAX_KINDS, live_context, max_hint_for, ticket_hint
from trading.views.common import own_account
from trading.views.dashboard import dashboard_context


@login_required_live
@require_GET
def dashboard_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "partials/dashboard_live.html", dashboard_context(request.user))


@login_required_live
@require_GET
def account_live(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    return render(request, "partials/account_live.html", live_context(own_account(request, account_id)))


@login_required_live
@require_GET
def prices_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The ticker strip of every page, or (``?table=1``) the rows of the markets page's price table."""
    template = "partials/price_table.html" if request.GET.get("table") == "1" else "partials/prices.html"
    return render(request, template, {"tickers": selectors.ticker_list()})


@login_required_live
@require_GET
def max_hint(request: AuthenticatedHttpRequest, account_id: int, kind: str) -> HttpResponse:
    """The maximum beside a money form, again for the asset (and source account) just chosen."""
    if kind == "ticket":
        hint = ticket_hint(request, own_account(request, account_id), request.GET)
        return render(request, "partials/max_hint.html", {"hint": hint})
    if kind not in MAX_KINDS:
        raise Http404("No such maximum.")
    account = own_account(request, account_id)
    prefix = request.GET.get("prefix", kind)
    asset = request.GET.get(f"{prefix}-asset") or request.GET.get("asset") or selectors.QUOTE_ASSET
    source = request.GET.get(f"{prefix}-from_account") if kind == "transfer" else None
    if source is not None:
        own_account(request, source if str(source).isdigit() else 0)
    hint = max_hint_for(request, kind, source or account.pk, asset)
    return render(request, "partials/max_hint.html", {"hint": hint})
