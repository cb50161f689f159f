"""The dashboard: every account with its level, positions, the seed's advice; enabling an isolated account."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts import selectors as account_selectors
from accounts.http import AuthenticatedHttpRequest
from core.errors import ApplicationError
from trading import advice, selectors
from trading.forms import IsolatedOpenForm
from trading.services.accounts import isolated_account_open
from trading.views.common import liquidation_notices, post_or_back


def dashboard_context(user) -> dict:
    prices = selectors.mark_prices()
    summaries = selectors.account_summaries_for_user(user=user, prices=prices)
    return {
        "summaries": summaries,
        "total_equity": sum((s.valuation.equity for s in summaries), Decimal(0)),
        "positions": [p for s in summaries for p in selectors.positions_of(s, prices)],
        "advice": advice.advice_for(advice.summary_figures(s) for s in summaries),
        "liquidated": liquidation_notices(user=user),
    }


@login_required
def dashboard(request: AuthenticatedHttpRequest, isolated_form: IsolatedOpenForm | None = None) -> HttpResponse:
    context = dashboard_context(request.user)
    symbols = selectors.isolated_symbols()
    context["isolated_form"] = isolated_form or IsolatedOpenForm(symbols=symbols, prefix="isolated")
    context["notifications"] = account_selectors.notification_list(user=request.user)[:5]
    return render(request, "dashboard.html", context, status=400 if isolated_form else 200)


@login_required
@post_or_back
def isolated_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = IsolatedOpenForm(request.POST, symbols=selectors.isolated_symbols(), prefix="isolated")
    if form.is_valid():
        try:
            account = isolated_account_open(
                user=request.user, symbol=form.cleaned_data["symbol"], leverage=form.cleaned_data["leverage"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, f"Isolated {account.isolated_pair.symbol} account enabled: transfer margin into it."
            )
            return redirect("account", account_id=account.pk)
    return dashboard(request, isolated_form=form)
