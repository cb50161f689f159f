"""The order ticket (every type, OCO too, into the cross or isolated account) and cancelling orders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from accounts.http import AuthenticatedHttpRequest
from core.errors import ApplicationError, NotFound
from trading import selectors
from trading.forms import OrderTicketForm
from trading.services.orders import oco_place, order_cancel, order_place, orders_cancel_all
from trading.views.account import form_post, ticket_form
from trading.views.common import account_name, own_account, post_or_back
from trading.views.preview import ticket_target


@login_required
@post_or_back
def order_create(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = ticket_form(account, request.POST)

    def place(form: OrderTicketForm) -> str:
        target = ticket_target(request, account, form)
        common = {
            "user": request.user,
            "account_id": target.pk,
            "symbol": form.cleaned_data["symbol"],
            "side": form.cleaned_data["side"],
            "side_effect": form.value("side_effect"),
        }
        if form.cleaned_data["type"] == "OCO":
            order_list = oco_place(
                **common,
                quantity=form.value("quantity"),
                price=form.value("price"),
                stop_price=form.value("stop_price"),
                stop_limit_price=form.value("stop_limit_price"),
                stop_limit_time_in_force=form.value("time_in_force"),
            )
            result = f"OCO #{order_list.pk} placed"
        else:
            if form.value("stop_limit_price") is not None:
                raise ApplicationError(
                    "Only an OCO takes a stop-limit price.", fields={"stop_limit_price": ["Only for OCO."]}
                )
            order = order_place(
                **common,
                type=form.cleaned_data["type"],
                quantity=form.value("quantity"),
                quote_quantity=form.value("quote_quantity"),
                price=form.value("price"),
                stop_price=form.value("stop_price"),
                time_in_force=form.value("time_in_force"),
            )
            result = (
                f"Order #{order.pk} {order.side} {order.type} {order.pair.symbol}: {order.status}"
                f"{f' ({order.status_reason})' if order.status_reason else ''}"
            )
        if target.pk != account.pk:
            result += f" in your {account_name(target).lower()} account"
        return result + "."

    return form_post(request, account, "ticket_form", form, place)


@login_required
@post_or_back
def order_cancel_view(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.order_get_for_user(user=request.user, order_id=order_id)
    except NotFound:
        raise Http404("Order not found.") from None
    try:
        order_cancel(user=request.user, order_id=order.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Order #{order.pk} cancelled.")
    return redirect("account", account_id=order.account_id)


@login_required
@post_or_back
def orders_cancel_all_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    try:
        cancelled = orders_cancel_all(user=request.user, account_id=account.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{len(cancelled)} open order(s) cancelled.")
    return redirect("account", account_id=account.pk)
