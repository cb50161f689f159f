"""The risk engine's fragments of the account page: margin calls and liquidations (each with what explains
it), and the data of the margin-level chart. The account page (``trading.views.account``) loads them with htmx and
keeps them live; ownership is checked the same way, so another user's account is a 404."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import notification_list
from core.views import login_required_live
from risk import history
from trading import margin, selectors
from trading.models import MarginPoint
from trading.views.common import own_account

HISTORY_ROWS = 20
CHART_POINTS = 500


@login_required_live
@require_GET
def account_risk(request: AuthenticatedHttpRequest, account_id: int) -> HttpResponse:
    account = own_account(request, account_id)
    scope = {"account": account.pk}
    liquidations = list(history.liquidation_list(user=request.user, filters=scope)[:HISTORY_ROWS])
    context = {
        "account": account,
        "alerts": notification_list(user=request.user).filter(account_ref=account.pk, read_at__isnull=True)[:3],
        "margin_calls": history.margin_call_list(user=request.user, filters=scope)[:HISTORY_ROWS],
        "liquidations": [(liq, history.liquidation_explanation(liq)) for liq in liquidations],
    }
    return render(request, "partials/account_risk.html", context)


def _num(value) -> str | None:
    return None if value is None else f"{value:.6f}"


@login_required_live
@require_GET
def account_levels_json(request: AuthenticatedHttpRequest, account_id: int) -> JsonResponse:
    """The account's margin level over time: the engine's snapshots, its margin calls and liquidations, the
    live level now, and the lines to draw (margin call, liquidation, initial) from its risk tier."""
    account = own_account(request, account_id)
    scope = {"account": account.pk}
    snapshots = list(history.snapshot_list(user=request.user, filters=scope)[:CHART_POINTS])
    summary = selectors.account_summary_get(account=account)
    ratios = summary.ratios
    # The level after every trade, borrow, repayment, transfer and interest charge (recorded by the ledger)
    # beside the engine's snapshots (status changes, hourly): a dip between two snapshots is not lost.
    levels = [{"t": s.created_at.isoformat(), "level": _num(s.margin_level), "status": s.status} for s in snapshots] + [
        {
            "t": p.created_at.isoformat(),
            "level": _num(p.margin_level),
            "status": margin.classify(p.margin_level, ratios).value if ratios else "NORMAL",
        }
        for p in MarginPoint.objects.filter(account=account).order_by("-created_at", "-id")[:CHART_POINTS]
    ]
    levels.sort(key=lambda row: row["t"] or "")
    return JsonResponse(
        {
            "account": account.pk,
            "snapshots": levels[-CHART_POINTS:],
            "margin_calls": [
                {"t": c.created_at.isoformat(), "level": _num(c.margin_level)}
                for c in history.margin_call_list(user=request.user, filters=scope)[:CHART_POINTS]
            ],
            "liquidations": [
                {"t": liq.created_at.isoformat(), "level": _num(liq.margin_level)}
                for liq in history.liquidation_list(user=request.user, filters=scope)[:CHART_POINTS]
            ],
            "now": {"level": _num(summary.margin_level), "status": summary.status.value},
            "lines": {
                "margin_call": _num(ratios.margin_call) if ratios else None,
                "liquidation": _num(ratios.liquidation) if ratios else None,
                "initial": _num(ratios.initial) if ratios else None,
            },
        }
    )
