"""The HTML pages of the web UI, and the htmx fragments that keep them live.

Thin doors: every write is a service call whose ApplicationError lands next to the field it names; every
read of a user's data goes through the ``*_for_user`` selectors, so another user's id is a 404. The risk
engine's records on the account page (margin calls, liquidations, the margin-level chart) come from
``risk.views``: the risk app sits above this one and this module does not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import PasswordChangeView as DjangoPasswordChangeView
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import api_keys
from accounts import selectors as account_selectors
from accounts import services as account_services
from core.errors import ApplicationError, NotFound
from trading import advice, history, selectors
from trading.forms import (
    ApiKeyForm,
    IsolatedOpenForm,
    LeverageForm,
    LoanForm,
    OrderTicketForm,
    ServiceForm,
    SignUpForm,
    TokenForm,
    TransferForm,
)
from trading.models import Account, AccountKind, Asset, Pair, PriceCandle
from trading.services.accounts import (
    CROSS_LEVERAGES,
    account_leverage_set,
    account_reset,
    isolated_account_open,
    user_signup,
)
from trading.services.loans import loan_borrow, loan_repay, max_borrowable_get
from trading.services.orders import oco_place, order_cancel, order_place, orders_cancel_all
from trading.services.transfers import transfer_create

HISTORY_ROWS = 50
CHART_CANDLES = 240  # four hours of 1-minute candles, ten days of hourly ones


def login_required_live(view: Callable) -> Callable:
    """login_required, except that an htmx poll after the session ended sends the whole page to sign-in
    instead of swapping the sign-in page into a fragment."""
    guarded = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated and request.htmx:
            return HttpResponseClientRedirect(f"{reverse('login')}?next={request.htmx.current_url_abs_path or '/'}")
        return guarded(request, *args, **kwargs)

    return wrapper


def own_account(request: HttpRequest, account_id: int) -> Account:
    try:
        return selectors.account_get_for_user(user=request.user, account_id=account_id)
    except NotFound:
        raise Http404("Account not found.") from None


# --- signing in and out -----------------------------------------------------------------------------


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


# --- the dashboard ----------------------------------------------------------------------------------


def _isolated_symbols() -> list[str]:
    return list(
        Pair.objects.filter(is_active=True, margin_enabled=True, isolated_enabled=True)
        .order_by("symbol")
        .values_list("symbol", flat=True)
    )


def _dashboard_context(user) -> dict:
    summaries = selectors.account_summaries_for_user(user=user)
    prices = selectors.mark_prices()
    return {
        "summaries": summaries,
        "total_equity": sum((s.valuation.equity for s in summaries), Decimal(0)),
        "positions": [p for s in summaries for p in selectors.positions_of(s, prices)],
        "advice": advice.advice_for(advice.summary_figures(s) for s in summaries),
    }


@login_required
def dashboard(request: HttpRequest, isolated_form: IsolatedOpenForm | None = None) -> HttpResponse:
    context = _dashboard_context(request.user)
    context["isolated_form"] = isolated_form or IsolatedOpenForm(symbols=_isolated_symbols(), prefix="isolated")
    context["notifications"] = account_selectors.notification_list(user=request.user)[:5]
    return render(request, "dashboard.html", context, status=400 if isolated_form else 200)


@login_required_live
@require_GET
def dashboard_live(request: HttpRequest) -> HttpResponse:
    return render(request, "partials/dashboard_live.html", _dashboard_context(request.user))


@login_required
@require_POST
def isolated_open(request: HttpRequest) -> HttpResponse:
    form = IsolatedOpenForm(request.POST, symbols=_isolated_symbols(), prefix="isolated")
    if form.is_valid():
        try:
            account = isolated_account_open(
                user=request.user, symbol=form.cleaned_data["symbol"], leverage=form.cleaned_data["leverage"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Isolated {account.pair.symbol} account enabled: transfer margin into it.")
            return redirect("account", account_id=account.pk)
    return dashboard(request, isolated_form=form)


# --- one account ------------------------------------------------------------------------------------


def _account_name(account: Account) -> str:
    if account.kind == AccountKind.ISOLATED:
        return f"Isolated {account.pair.symbol}"
    return account.get_kind_display()


def _assets_of(account: Account) -> list[str]:
    if account.kind == AccountKind.ISOLATED:
        return [account.pair.quote.code, account.pair.base.code]
    codes = list(Asset.objects.order_by("code").values_list("code", flat=True))
    quote = selectors.QUOTE_ASSET
    return [quote, *[c for c in codes if c != quote]] if quote in codes else codes


def _symbols_of(account: Account) -> list[str]:
    if account.kind == AccountKind.ISOLATED:
        return [account.pair.symbol]
    pairs = Pair.objects.filter(is_active=True).order_by("symbol")
    if account.is_margin:
        pairs = pairs.filter(margin_enabled=True)
    return list(pairs.values_list("symbol", flat=True))


def _leverages_of(account: Account) -> list[int]:
    if account.kind == AccountKind.CROSS:
        return [int(lev) for lev in CROSS_LEVERAGES]
    return [lev for lev in Pair.Leverage.values if lev <= account.pair.max_leverage]


def _user_accounts(user) -> list[tuple[int, str]]:
    accounts = Account.objects.filter(user=user).select_related("pair").order_by("id")
    return [(a.pk, f"#{a.pk} {_account_name(a)}") for a in accounts]


def _max_safely(compute: Callable[[], Decimal]) -> Decimal | None:
    """A maximum to show beside a form, or None when it cannot be known now (e.g. no price yet)."""
    try:
        return compute()
    except ApplicationError:
        return None


def _ticket_form(account: Account, data=None) -> OrderTicketForm:
    symbols = _symbols_of(account)
    initial = {"mode": "isolated" if account.kind == AccountKind.ISOLATED else "cross", "symbol": symbols[0]}
    if "BTCUSDT" in symbols and account.kind != AccountKind.ISOLATED:
        initial["symbol"] = "BTCUSDT"
    return OrderTicketForm(data, symbols=symbols, margin=account.is_margin, initial=initial, prefix="ticket")


def _forms(request: HttpRequest, account: Account) -> dict:
    accounts, assets = _user_accounts(request.user), _assets_of(account)
    # Into a margin account from the spot wallet (the user's first account); out of the spot wallet to cross.
    other = next((pk for pk, _ in accounts if pk != account.pk), account.pk)
    transfer_initial = (
        {"from_account": other, "to_account": account.pk, "asset": assets[0]}
        if account.is_margin
        else {"from_account": account.pk, "to_account": other, "asset": assets[0]}
    )
    forms = {
        "ticket_form": _ticket_form(account),
        "transfer_form": TransferForm(accounts=accounts, assets=assets, initial=transfer_initial, prefix="transfer"),
    }
    if account.is_margin:
        owed = [b.asset.code for b in account.balances.select_related("asset") if b.borrowed or b.interest]
        forms["borrow_form"] = LoanForm(assets=assets, initial={"asset": assets[0]}, prefix="borrow")
        forms["repay_form"] = LoanForm(assets=assets, initial={"asset": (owed or assets)[0]}, prefix="repay")
        forms["leverage_form"] = LeverageForm(
            leverages=_leverages_of(account), initial={"leverage": account.leverage}, prefix="leverage"
        )
    return forms


def _live_context(account: Account) -> dict:
    summary = selectors.account_summary_get(account=account)
    return {
        "account": account,
        "account_name": _account_name(account),
        "summary": summary,
        "positions": selectors.positions_of(summary, selectors.mark_prices()),
        "open_orders": list(selectors.open_orders_for_account(account=account)),
    }


def _maxima(request: HttpRequest, account: Account, forms: dict) -> dict:
    """The maximum beside each money form, for the asset (and source account) it starts with."""

    def chosen(form, field):
        return form.data.get(form.add_prefix(field)) if form.is_bound else form[field].value()

    transfer = forms["transfer_form"]
    source_id, asset = chosen(transfer, "from_account"), chosen(transfer, "asset")
    maxima = {"transfer": _max_hint(request, "transfer", source_id, asset)}
    if account.is_margin:
        maxima["borrow"] = _max_hint(request, "borrow", account.pk, chosen(forms["borrow_form"], "asset"))
        maxima["repay"] = _max_hint(request, "repay", account.pk, chosen(forms["repay_form"], "asset"))
    return maxima


def _account_page(request: HttpRequest, account: Account, *, status: int = 200, **bound) -> HttpResponse:
    forms = _forms(request, account) | bound
    context = _live_context(account) | forms
    trades = history.trade_list(user=request.user, filters={"account": account.pk})[:HISTORY_ROWS]
    context |= {
        "maxima": _maxima(request, account, forms),
        "chart_symbol": account.pair.symbol if account.pair_id else forms["ticket_form"]["symbol"].value(),
        "trades": trades,
        "transfers": history.transfer_list(user=request.user, filters={"account": account.pk})[:HISTORY_ROWS],
        "loan_events": history.loan_event_list(user=request.user, filters={"account": account.pk})[:HISTORY_ROWS],
        "ledger_lines": selectors.ledger_lines_for_account(account=account)[:HISTORY_ROWS],
        "other_accounts": [(pk, name) for pk, name in _user_accounts(request.user) if pk != account.pk],
    }
    return render(request, "account.html", context, status=status)


@login_required
@require_GET
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    return _account_page(request, own_account(request, account_id))


@login_required_live
@require_GET
def account_live(request: HttpRequest, account_id: int) -> HttpResponse:
    return render(request, "partials/account_live.html", _live_context(own_account(request, account_id)))


def _form_post(
    request: HttpRequest, account: Account, name: str, form: ServiceForm, action: Callable[[ServiceForm], str]
) -> HttpResponse:
    """Validate the form's shape, run the service; on success a message and back to the account, else the
    page again with the errors beside the fields (and nothing changed: the services are all or nothing)."""
    if form.is_valid():
        try:
            done = action(form)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, done)
            return redirect("account", account_id=account.pk)
    return _account_page(request, account, status=400, **{name: form})


@login_required
@require_POST
def order_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = _ticket_form(account, request.POST)

    def place(form: OrderTicketForm) -> str:
        target = account
        if account.is_margin:
            symbol = form.cleaned_data["symbol"]
            if form.cleaned_data["mode"] == "isolated":
                target = selectors.isolated_account_get_for_user(user=request.user, symbol=symbol)
                if target is None:
                    message = f"You have no isolated {symbol} account: enable one on the dashboard first."
                    raise ApplicationError(message, fields={"mode": [message]})
            else:
                target = selectors.cross_account_get_for_user(user=request.user)
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
            result += f" in your {_account_name(target).lower()} account"
        return result + "."

    return _form_post(request, account, "ticket_form", form, place)


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, order_id: int) -> HttpResponse:
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
@require_POST
def orders_cancel_all_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    try:
        cancelled = orders_cancel_all(user=request.user, account_id=account.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{len(cancelled)} open order(s) cancelled.")
    return redirect("account", account_id=account.pk)


@login_required
@require_POST
def transfer_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = TransferForm(
        request.POST, accounts=_user_accounts(request.user), assets=_assets_of(account), prefix="transfer"
    )

    def transfer(form: TransferForm) -> str:
        done = transfer_create(
            user=request.user,
            from_account_id=form.cleaned_data["from_account"],
            to_account_id=form.cleaned_data["to_account"],
            asset=form.cleaned_data["asset"],
            amount=form.cleaned_data["amount"],
        )
        return f"Transferred {done.amount.normalize():f} {done.asset.code} from #{done.from_account_id} to #{done.to_account_id}."

    return _form_post(request, account, "transfer_form", form, transfer)


@login_required
@require_POST
def borrow_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = LoanForm(request.POST, assets=_assets_of(account), prefix="borrow")

    def borrow(form: LoanForm) -> str:
        event = loan_borrow(
            user=request.user,
            account_id=account.pk,
            asset=form.cleaned_data["asset"],
            amount=form.cleaned_data["amount"],
        )
        return f"Borrowed {event.principal.normalize():f} {event.asset.code}."

    return _form_post(request, account, "borrow_form", form, borrow)


@login_required
@require_POST
def repay_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = LoanForm(request.POST, assets=_assets_of(account), prefix="repay")

    def repay(form: LoanForm) -> str:
        event = loan_repay(
            user=request.user,
            account_id=account.pk,
            asset=form.cleaned_data["asset"],
            amount=form.cleaned_data["amount"],
        )
        paid = (event.principal + event.interest).normalize()
        return f"Repaid {paid:f} {event.asset.code} (interest {event.interest.normalize():f} first)."

    return _form_post(request, account, "repay_form", form, repay)


@login_required
@require_POST
def leverage_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    if not account.is_margin:
        raise Http404("Only margin accounts have a leverage.")
    form = LeverageForm(request.POST, leverages=_leverages_of(account), prefix="leverage")

    def change(form: LeverageForm) -> str:
        changed = account_leverage_set(user=request.user, account_id=account.pk, leverage=form.cleaned_data["leverage"])
        return f"Leverage is now {changed.leverage}x."

    return _form_post(request, account, "leverage_form", form, change)


@login_required
@require_POST
def reset_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    try:
        account_reset(user=request.user, account_id=account.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The account was reset; its history stays below.")
    return redirect("account", account_id=account.pk)


MAX_KINDS = {
    "transfer": (
        "Max out",
        lambda request, account, asset: selectors.max_transferable_get(account=account, asset=asset),
    ),
    "borrow": (
        "Max borrowable",
        lambda request, account, asset: max_borrowable_get(user=request.user, account_id=account.pk, asset=asset),
    ),
    "repay": ("Max repay", lambda request, account, asset: selectors.max_repayable_get(account=account, asset=asset)),
}


def _max_hint(request: HttpRequest, kind: str, account_id, asset) -> dict:
    label, compute = MAX_KINDS[kind]
    try:
        account = selectors.account_get_for_user(user=request.user, account_id=account_id)
        asset = selectors.asset_get(code=asset).code
    except ApplicationError:
        return {"kind": kind, "label": label, "value": None, "asset": asset}
    value = _max_safely(lambda: compute(request, account, asset))
    return {"kind": kind, "label": label, "value": value, "asset": asset}


@login_required_live
@require_GET
def max_hint(request: HttpRequest, account_id: int, kind: str) -> HttpResponse:
    """The maximum beside a money form, again for the asset (and source account) just chosen."""
    if kind not in MAX_KINDS:
        raise Http404("No such maximum.")
    account = own_account(request, account_id)
    prefix = request.GET.get("prefix", kind)
    asset = request.GET.get(f"{prefix}-asset") or request.GET.get("asset") or selectors.QUOTE_ASSET
    source = request.GET.get(f"{prefix}-from_account") if kind == "transfer" else None
    if source is not None:
        own_account(request, source if str(source).isdigit() else 0)
    hint = _max_hint(request, kind, source or account.pk, asset)
    return render(request, "partials/max_hint.html", {"hint": hint})


# --- markets, prices and notifications --------------------------------------------------------------


@login_required_live
@require_GET
def prices_live(request: HttpRequest) -> HttpResponse:
    """The ticker strip of every page, or (``?table=1``) the rows of the markets page's price table."""
    template = "partials/price_table.html" if request.GET.get("table") == "1" else "partials/prices.html"
    return render(request, template, {"tickers": selectors.ticker_list()})


@login_required
@require_GET
def markets(request: HttpRequest) -> HttpResponse:
    tickers = selectors.ticker_list()
    symbols = [t.symbol for t in tickers]
    symbol = str(request.GET.get("symbol", "")).upper()
    if symbol not in symbols:
        symbol = "BTCUSDT" if "BTCUSDT" in symbols else (symbols[0] if symbols else "")
    return render(request, "markets.html", {"tickers": tickers, "chart_symbol": symbol})


@login_required_live
@require_GET
def candles_json(request: HttpRequest, symbol: str) -> JsonResponse:
    """A pair's recent candles for its price chart (oldest first), with the mark price now."""
    interval = request.GET.get("interval") or PriceCandle.Interval.MINUTE
    try:
        candles = list(history.price_history(symbol=symbol, interval=interval)[:CHART_CANDLES])
        pair = selectors.pair_get(symbol=symbol)
        mark = _max_safely(lambda: selectors.mark_price_get(pair=pair))
    except NotFound:
        raise Http404("Unknown symbol.") from None
    except ApplicationError as error:
        return JsonResponse({"error": error.message}, status=400)
    rows = [
        {"t": c.open_time.isoformat(), "o": str(c.open), "h": str(c.high), "l": str(c.low), "c": str(c.close)}
        for c in reversed(candles)
    ]
    mark = f"{mark.normalize():f}" if mark is not None else ""
    return JsonResponse({"symbol": pair.symbol, "interval": interval, "mark": mark, "candles": rows})


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    items = account_selectors.notification_list(user=request.user)[:100]
    return render(request, "notifications.html", {"notifications": items})


def _notifications_fragment(request: HttpRequest, *, with_list: bool) -> HttpResponse:
    context = {
        "unread": account_selectors.notification_unread_count(user=request.user),
        "notifications": account_selectors.notification_list(user=request.user)[:5],
        "with_list": with_list,
        "back": reverse("dashboard"),
    }
    return render(request, "partials/notifications.html", context)


@login_required_live
@require_GET
def notifications_live(request: HttpRequest) -> HttpResponse:
    """The unread count for the top bar, and with ``?list=1`` the latest notifications (the dashboard's)."""
    return _notifications_fragment(request, with_list=request.GET.get("list") == "1")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int | None = None) -> HttpResponse:
    try:
        account_services.notifications_mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404("Notification not found.") from None
    if request.htmx:
        return _notifications_fragment(request, with_list=True)
    return redirect(request.POST.get("next") if _safe_next(request) else "notifications")


def _safe_next(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


# --- personal API tokens ----------------------------------------------------------------------------


def _show_once_page(
    request: HttpRequest, *, form_class, create: Callable, template: str, listing: dict
) -> HttpResponse:
    """A page that makes a credential and lists the user's. What ``create`` returns (with the secret) goes
    into this response only: the secret is never stored in the clear, so it cannot be shown again."""
    form = form_class(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = create(form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            form = form_class()
    status = 400 if request.method == "POST" and created is None else 200
    return render(request, template, {"form": form, "created": created, **listing}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    def create(data: dict) -> dict:
        token, key = account_services.token_create(user=request.user, name=data["name"])
        return {"token": token, "key": key}

    listing = {"tokens": account_selectors.token_list(user=request.user)}
    return _show_once_page(request, form_class=TokenForm, create=create, template="tokens.html", listing=listing)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        account_services.token_revoke(user=request.user, token_id=token_id)
    except NotFound:
        raise Http404("Token not found.") from None
    messages.success(request, "The token was revoked: scripts using it are refused from now on.")
    return redirect("tokens")


@login_required
@require_http_methods(["GET", "POST"])
def api_keys_view(request: HttpRequest) -> HttpResponse:
    """Key pairs for the Binance-compatible API (signed requests); the secret is shown once."""

    def create(data: dict) -> dict:
        key, secret = api_keys.api_key_create(user=request.user, label=data["label"], can_trade=data["can_trade"])
        return {"key": key, "secret": secret}

    listing = {"keys": api_keys.api_key_list(user=request.user)}
    return _show_once_page(request, form_class=ApiKeyForm, create=create, template="api_keys.html", listing=listing)


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        api_keys.api_key_revoke(user=request.user, api_key_id=key_id)
    except NotFound:
        raise Http404("API key not found.") from None
    messages.success(request, "The key pair was revoked: requests signed with it are refused from now on.")
    return redirect("api-keys")
