"""The order ticket's preview: what the order in the ticket would do (``trading.services.preview``, which runs
``order_place`` itself in a rolled-back transaction), shown under the ticket without placing anything."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core.errors import ApplicationError
from core.views import login_required_live
from trading import selectors
from trading.forms import OrderTicketForm
from trading.models import Account
from trading.services.preview import order_preview
from trading.views.account import ticket_form
from trading.views.common import own_account


def ticket_target(request: AuthenticatedHttpRequest, account: Account, form: OrderTicketForm) -> Account:
    """The account the ticket's Cross/Isolated switch points at (the page's own for a spot wallet)."""
    if not account.is_margin:
        return account
    symbol = form.cleaned_data["symbol"]
    isolated = form.cleaned_data["mode"] == "isolated"
    found = selectors.margin_account_for_user(user=request.user, isolated=isolated, symbol=symbol)
    if found is None:
        message = (
            f"You have no isolated {symbol} account: enable one on the dashboard first."
            if isolated
            else "You have no cross margin account."
        )
        raise ApplicationError(message, fields={"mode": [message]})
    return found


@login_required_live
@require_POST
def order_preview_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = ticket_form(account, request.POST)
    context: dict = {"account": account}
    if not form.is_valid():
        context["errors"] = [str(e) for errors in form.errors.values() for e in errors]
    elif form.cleaned_data["type"] == "OCO":
        context["errors"] = ["The preview shows one order at a time: preview the OCO's LIMIT_MAKER leg as a LIMIT."]
    else:
        try:
            target = ticket_target(request, account, form)
            context["preview"] = order_preview(
                user=request.user,
                account_id=target.pk,
                symbol=form.cleaned_data["symbol"],
                side=form.cleaned_data["side"],
                side_effect=form.value("side_effect"),
                type=form.cleaned_data["type"],
                quantity=form.value("quantity"),
                quote_quantity=form.value("quote_quantity"),
                price=form.value("price"),
                stop_price=form.value("stop_price"),
                time_in_force=form.value("time_in_force"),
            )
        except ApplicationError as error:
            context["errors"] = [error.message]
    return render(request, "partials/ticket_preview.html", context)
