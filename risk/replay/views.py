"""The replay pages: one liquidation or margin call explained, linked from the account's history and from the
notification that told of it. Another user's record is a 404."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from core.errors import NotFound
from core.views import login_required_live
from futures.models import FuturesLiquidation
from risk.models import Liquidation, MarginCall
from risk.replay.build import Replay, liquidation_replay_get, margin_call_replay_get
from risk.replay.serialize import replay_data
from trading.models import Account, AccountKind

# A notification is written in the same transaction as its record, a moment after it.
NOTICE_SLACK = timedelta(minutes=1)


def _page(request: AuthenticatedHttpRequest, replay: Replay) -> HttpResponse:
    data = replay_data(replay)
    chart = [
        {
            "t": p["at"].isoformat(),
            "level": None if p["margin_level"] is None else f"{p['margin_level']:.6f}",
            "kind": p["kind"],
            "label": p["label"],
        }
        for p in data["timeline"]
    ]
    context = {"replay": replay, "data": data, "account": replay.account, "chart": chart}
    return render(request, "replay.html", context)


@login_required_live
@require_GET
def liquidation_replay(request: AuthenticatedHttpRequest, liquidation_id: int) -> HttpResponse:
    try:
        replay = liquidation_replay_get(user=request.user, liquidation_id=liquidation_id)
    except NotFound:
        raise Http404("Liquidation not found.") from None
    return _page(request, replay)


@login_required_live
@require_GET
def margin_call_replay(request: AuthenticatedHttpRequest, margin_call_id: int) -> HttpResponse:
    try:
        replay = margin_call_replay_get(user=request.user, margin_call_id=margin_call_id)
    except NotFound:
        raise Http404("Margin call not found.") from None
    return _page(request, replay)


@login_required_live
@require_GET
def notification_replay(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """From a liquidation's or margin call's notification to its replay: the record of that account just
    before the notice."""
    notice = Notification.objects.filter(pk=notification_id, user=request.user).first()
    if notice is None or notice.account_ref is None:
        raise Http404("Notification not found.")
    models: dict[str, type[Liquidation] | type[MarginCall]] = {
        Notification.Kind.LIQUIDATION: Liquidation,
        Notification.Kind.MARGIN_CALL: MarginCall,
    }
    model = models.get(notice.kind)
    if model is None:
        raise Http404("This notification has no replay.")
    if Account.objects.filter(pk=notice.account_ref, user=request.user, kind=AccountKind.FUTURES).exists():
        return _futures_notice(request, notice)
    record = (
        model.objects.filter(
            account_id=notice.account_ref,
            account__user=request.user,
            created_at__lte=notice.created_at + NOTICE_SLACK,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if record is None:
        raise Http404("No record to replay.")
    name = "liquidation-replay" if model is Liquidation else "margin-call-replay"
    return redirect(name, record.pk)


def _futures_notice(request: AuthenticatedHttpRequest, notice: Notification) -> HttpResponse:
    """A futures liquidation's notice leads to its replay; a futures margin-ratio warning has no record of its
    own (the wallet was not liquidated): it leads to the futures page, where the ratio is."""
    if notice.kind != Notification.Kind.LIQUIDATION:
        return redirect("futures-index")
    assert notice.account_ref is not None  # the caller checked
    record = (
        FuturesLiquidation.objects.filter(
            account_id=notice.account_ref,
            account__user=request.user,
            created_at__lte=notice.created_at + NOTICE_SLACK,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if record is None:
        raise Http404("No record to replay.")
    return redirect("futures-liquidation-replay", record.pk)
