"""The futures liquidation replay page, linked from the futures page's history and from the liquidation's
notification. Another user's record is a 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from core.errors import NotFound
from core.views import login_required_live
from futures.services.liquidation import warning_ratio
from risk.replay.futures_build import futures_liquidation_replay_get
from risk.replay.futures_serialize import futures_replay_data


@login_required_live
@require_GET
def futures_liquidation_replay(request: AuthenticatedHttpRequest, liquidation_id: int) -> HttpResponse:
    try:
        replay = futures_liquidation_replay_get(user=request.user, liquidation_id=liquidation_id)
    except NotFound:
        raise Http404("Liquidation not found.") from None
    data = futures_replay_data(replay)
    chart = [
        {
            "t": p["at"].isoformat(),
            "level": None if p["margin_ratio"] is None else f"{p['margin_ratio']:.6f}",
            "kind": p["kind"],
            "label": p["label"],
        }
        for p in data["timeline"]
    ]
    # The chart of the spot replays, with the futures lines: the warning ratio and liquidation at 100 %.
    lines = {"initial": "1", "margin_call": str(warning_ratio()), "liquidation": "1"}
    context = {"replay": replay, "data": data, "chart": chart, "lines": lines}
    return render(request, "futures/replay.html", context)
