"""The money forms of the account page: transfer, borrow, repay, leverage and reset."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from accounts.http import AuthenticatedHttpRequest
from core.errors import ApplicationError
from trading import selectors
from trading.forms import LeverageForm, LoanForm, TransferForm
from trading.services.accounts import account_leverage_set, account_reset
from trading.services.loans import loan_borrow, loan_repay
from trading.services.transfers import transfer_create
from trading.templatetags.marginlab import amount
from trading.views.account import account_choices, form_post, leverages_of
from trading.views.common import own_account, post_or_back


@login_required
@post_or_back
def transfer_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = TransferForm(
        request.POST,
        accounts=account_choices(request.user),
        assets=selectors.account_assets(account=account),
        prefix="transfer",
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

    return form_post(request, account, "transfer_form", form, transfer)


@login_required
@post_or_back
def borrow_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = LoanForm(request.POST, assets=selectors.account_assets(account=account), prefix="borrow")

    def borrow(form: LoanForm) -> str:
        event = loan_borrow(
            user=request.user,
            account_id=account.pk,
            asset=form.cleaned_data["asset"],
            amount=form.cleaned_data["amount"],
        )
        return f"Borrowed {event.principal.normalize():f} {event.asset.code}."

    return form_post(request, account, "borrow_form", form, borrow)


@login_required
@post_or_back
def repay_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    form = LoanForm(request.POST, assets=selectors.account_assets(account=account), prefix="repay")

    def repay(form: LoanForm) -> str:
        event = loan_repay(
            user=request.user,
            account_id=account.pk,
            asset=form.cleaned_data["asset"],
            amount=form.cleaned_data["amount"],
        )
        paid = (event.principal + event.interest).normalize()
        return f"Repaid {paid:f} {event.asset.code} (interest {event.interest.normalize():f} first)."

    return form_post(request, account, "repay_form", form, repay)


@login_required
@post_or_back
def leverage_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    if not account.is_margin:
        raise Http404("Only margin accounts have a leverage.")
    form = LeverageForm(request.POST, leverages=leverages_of(account), prefix="leverage")

    def change(form: LeverageForm) -> str:
        changed = account_leverage_set(user=request.user, account_id=account.pk, leverage=form.cleaned_data["leverage"])
        return f"Leverage is now {changed.leverage}x."

    return form_post(request, account, "leverage_form", form, change)


@login_required
@post_or_back
def reset_view(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    try:
        done = account_reset(user=request.user, account_id=account.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        back = (
            f" {amount(done.returned_to_spot)} USDT went back to your spot wallet."
            if done.returned_to_spot
            else " Nothing was left to send back to your spot wallet."
            if account.is_margin
            else ""
        )
        messages.success(request, f"The account was reset; its history stays below.{back}")
    return redirect("account", account_id=account.pk)
