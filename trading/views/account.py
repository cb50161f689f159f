"""One account's page: balances, positions, open orders, the order ticket and money forms with their
maxima, the history. The forms post to ``orders`` and ``money``, which show this page again on an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from core.errors import ApplicationError
from trading import history, selectors
from trading.forms import LeverageForm, LoanForm, OrderTicketForm, ServiceForm, TransferForm
from trading.models import Account, AccountKind, Asset, Order, Pair
from trading.services.accounts import CROSS_LEVERAGES
from trading.services.common import clean_amount
from trading.services.loans import max_borrowable_get, max_repayable_get
from trading.views.common import (
    HISTORY_ROWS,
    account_name,
    liquidation_notices,
    liquidation_trades,
    max_safely,
    own_account,
)
from trading.views.ticket_max import ticket_max_get
from trading.views.words import in_words

FormT = TypeVar("FormT", bound=ServiceForm)


def leverages_of(account: Account) -> list[int]:
    if account.kind == AccountKind.CROSS:
        return [int(lev) for lev in CROSS_LEVERAGES]
    return [lev for lev in Pair.Leverage.values if lev <= account.isolated_pair.max_leverage]


def account_choices(user) -> list[tuple[int, str]]:
    return [(a.pk, f"#{a.pk} {account_name(a)}") for a in selectors.account_list_for_user(user=user)]


def ticket_form(account: Account, data=None) -> OrderTicketForm:
    symbols = selectors.account_symbols(account=account)
    initial = {"mode": "isolated" if account.kind == AccountKind.ISOLATED else "cross", "symbol": symbols[0]}
    if "BTCUSDT" in symbols and account.kind != AccountKind.ISOLATED:
        initial["symbol"] = "BTCUSDT"
    return OrderTicketForm(data, symbols=symbols, margin=account.is_margin, initial=initial, prefix="ticket")


def _forms(request: AuthenticatedHttpRequest, account: Account) -> dict:
    accounts, assets = account_choices(request.user), selectors.account_assets(account=account)
    # Into a margin account from the spot wallet (the user's first account); out of the spot wallet to cross.
    other = next((pk for pk, _ in accounts if pk != account.pk), account.pk)
    transfer_initial = (
        {"from_account": other, "to_account": account.pk, "asset": assets[0]}
        if account.is_margin
        else {"from_account": account.pk, "to_account": other, "asset": assets[0]}
    )
    forms = {
        "ticket_form": ticket_form(account),
        "transfer_form": TransferForm(accounts=accounts, assets=assets, initial=transfer_initial, prefix="transfer"),
    }
    if account.is_margin:
        owed = selectors.owed_assets(account=account)
        forms["borrow_form"] = LoanForm(assets=assets, initial={"asset": assets[0]}, prefix="borrow")
        forms["repay_form"] = LoanForm(assets=assets, initial={"asset": (owed or assets)[0]}, prefix="repay")
        forms["leverage_form"] = LeverageForm(
            leverages=leverages_of(account), initial={"leverage": account.leverage}, prefix="leverage"
        )
    return forms


def live_context(account: Account) -> dict:
    prices = selectors.mark_prices()
    summary = selectors.account_summary_get(account=account, prices=prices)
    return {
        "account": account,
        "liquidated": liquidation_notices(user=account.user).get(account.pk) if account.is_margin else None,
        "account_name": account_name(account),
        "summary": summary,
        "positions": selectors.positions_of(summary, prices),
        "open_orders": list(selectors.open_orders_for_account(account=account)),
    }


# The maximum beside each money form: what the service would accept now (the same computation it checks).
MAX_KINDS = {
    "transfer": (
        "Max out",
        lambda request, account, asset: selectors.max_transferable_get(account=account, asset=asset),
    ),
    "borrow": (
        "Max borrowable",
        lambda request, account, asset: max_borrowable_get(user=request.user, account_id=account.pk, asset=asset),
    ),
    "repay": ("Max repay", lambda request, account, asset: max_repayable_get(account=account, asset=asset)),
}


def max_hint_for(request: AuthenticatedHttpRequest, kind: str, account_id, asset) -> dict:
    label, compute = MAX_KINDS[kind]
    try:
        account = selectors.account_get_for_user(user=request.user, account_id=account_id)
        asset = selectors.asset_get(code=asset).code
    except ApplicationError:
        return {"kind": kind, "label": label, "value": None, "asset": asset}
    value = max_safely(lambda: compute(request, account, asset))
    return {"kind": kind, "label": label, "value": value, "asset": asset}


def ticket_hint(request: AuthenticatedHttpRequest, account: Account, data) -> dict:
    """The order ticket's maximum for what the ticket shows now (``data``: its prefixed values)."""
    get = lambda name, default=None: data.get(f"ticket-{name}") or default  # noqa: E731
    side = Order.Side.SELL if get("side") == Order.Side.SELL else Order.Side.BUY
    hint: dict[str, object] = {
        "kind": "ticket",
        "label": "Max sell" if side == Order.Side.SELL else "Max buy",
        "value": None,
    }
    try:
        pair = selectors.pair_get(symbol=get("symbol", ""))
    except ApplicationError:
        return hint | {"asset": ""}
    hint["asset"] = pair.base.code
    target: Account | None = account
    if account.is_margin:
        isolated = get("mode", "isolated" if account.kind == AccountKind.ISOLATED else "cross") == "isolated"
        target = selectors.margin_account_for_user(user=request.user, isolated=isolated, symbol=pair.symbol)
    if target is None or pair.symbol not in selectors.account_symbols(account=account):
        return hint
    try:
        price = clean_amount(get("price"), field="price") if get("price") else None
    except ApplicationError:
        price = None
    hint["value"] = ticket_max_get(
        user=request.user,
        account=target,
        pair=pair,
        side=side,
        type=get("type", Order.Type.MARKET),
        price=price,
        side_effect=get("side_effect", Order.SideEffect.NO_SIDE_EFFECT),
    )
    return hint


def _ticket_values(form) -> dict:
    if form.is_bound:
        return form.data
    return {form.add_prefix(name): form[name].value() for name in form.fields}


def _maxima(request: AuthenticatedHttpRequest, account: Account, forms: dict) -> dict:
    """The maximum beside each money form, for the asset (and source account) it starts with."""

    def chosen(form, field):
        return form.data.get(form.add_prefix(field)) if form.is_bound else form[field].value()

    transfer = forms["transfer_form"]
    source_id, asset = chosen(transfer, "from_account"), chosen(transfer, "asset")
    maxima = {
        "transfer": max_hint_for(request, "transfer", source_id, asset),
        "ticket": ticket_hint(request, account, _ticket_values(forms["ticket_form"])),
    }
    if account.is_margin:
        maxima["borrow"] = max_hint_for(request, "borrow", account.pk, chosen(forms["borrow_form"], "asset"))
        maxima["repay"] = max_hint_for(request, "repay", account.pk, chosen(forms["repay_form"], "asset"))
    return maxima


def _borrowable_assets(account: Account):
    """What the account may borrow: its pair's two assets (isolated) or every listed asset (cross)."""
    if account.pair_id is None:
        return Asset.objects.all()
    return Asset.objects.filter(pk__in=[account.isolated_pair.base_id, account.isolated_pair.quote_id])


def account_page(request: AuthenticatedHttpRequest, account: Account, *, status: int = 200, **bound) -> HttpResponse:
    forms = _forms(request, account) | bound
    context = live_context(account) | forms
    scope = {"account": account.pk}
    context |= {
        "maxima": _maxima(request, account, forms),
        "chart_symbol": account.pair.symbol if account.pair else forms["ticket_form"].chart_symbol,
        "trades": liquidation_trades(
            history.trade_list(user=request.user, filters=scope).select_related("order", "entry__liquidation")[
                :HISTORY_ROWS
            ]
        ),
        "transfers": history.transfer_list(user=request.user, filters=scope)[:HISTORY_ROWS],
        "loan_events": history.loan_event_list(user=request.user, filters=scope)[:HISTORY_ROWS],
        "ledger_lines": selectors.ledger_lines_for_account(account=account)[:HISTORY_ROWS],
        "other_accounts": [(pk, name) for pk, name in account_choices(request.user) if pk != account.pk],
        "interest_rates": [
            (code, f"{(rate * 100).normalize():f} %")
            for code, rate in selectors.interest_rates_now(account_assets=_borrowable_assets(account))
        ]
        if account.is_margin
        else [],
    }
    return render(request, "account.html", context, status=status)


def form_post(
    request: AuthenticatedHttpRequest,
    account: Account,
    name: str,
    form: FormT,
    action: Callable[[FormT], str],
) -> HttpResponse:
    """Validate the form's shape, run the service; on success a message and back to the account, else the
    page again with the errors beside the fields (and nothing changed: the services are all or nothing)."""
    if form.is_valid():
        try:
            done = action(form)
        except ApplicationError as error:
            form.add_application_error(in_words(error, form))
        else:
            messages.success(request, done)
            return redirect("account", account_id=account.pk)
    return account_page(request, account, status=400, **{name: form})


@login_required
@require_GET
def account_detail(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    return account_page(request, own_account(request, account_id))
