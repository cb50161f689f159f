"""The live board (an htmx fragment polled every 5 seconds) and its CSV export."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from classrooms import selectors
from classrooms.views.pages import _class_or_404
from core.errors import ApplicationError
from core.views import login_required_live

CSV_COLUMNS = [
    "rank_by_return",
    "rank_by_drawdown",
    "student",
    "equity",
    "return_rate",
    "drawdown",
    "margin_level",
    "lowest_margin_level",
    "status",
    "margin_calls",
    "liquidations",
]


BOARD_COLUMNS = [
    ("rank_by_return", "Rank (return)"),
    ("rank_by_drawdown", "Rank (drawdown)"),
    ("student", "Student"),
    ("equity", "Equity"),
    ("return", "Return"),
    ("drawdown", "Drawdown"),
    ("margin_level", "Cross margin level"),
    ("status", "Status"),
    ("margin_calls", "Margin calls"),
    ("liquidations", "Liquidations"),
]


def _sorted_board(request, classroom):
    rows = selectors.class_board(classroom=classroom)
    try:
        return selectors.board_sort(
            rows, sort=request.GET.get("sort", "rank_by_return"), order=request.GET.get("order", "asc")
        )
    except ApplicationError:
        return rows


@login_required_live
@require_GET
def class_board(request: AuthenticatedHttpRequest, classroom_id: int) -> HttpResponse:
    classroom = _class_or_404(request, classroom_id)
    rows = _sorted_board(request, classroom)
    context: dict = {
        "classroom": classroom,
        "columns": BOARD_COLUMNS,
        "sort": request.GET.get("sort", "rank_by_return"),
        "order": request.GET.get("order", "asc"),
    }
    if classroom.instructor_id == request.user.pk:
        context["rows"] = rows
    else:
        membership = selectors.membership_get(user=request.user, classroom=classroom)
        context["me"] = next(r for r in rows if r.membership_id == membership.pk)
        context["members"] = len(rows)
    return render(request, "classrooms/board.html", context)


@login_required_live
@require_GET
def class_board_csv(request: AuthenticatedHttpRequest, classroom_id: int) -> HttpResponse:
    classroom = _class_or_404(request, classroom_id)
    if classroom.instructor_id != request.user.pk:
        raise Http404("Class not found.")  # members do not get the others' rows, in any format
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-{classroom.pk}-board.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in _sorted_board(request, classroom):
        values = [getattr(row, column) for column in CSV_COLUMNS]
        # A username that starts like a formula must not run in a spreadsheet.
        writer.writerow(
            ["'" + v if isinstance(v, str) and v[:1] in "=+-@" else ("" if v is None else v) for v in values]
        )
    return response
