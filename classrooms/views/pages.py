"""The class list, the join link and a class's page, and the forms they post."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from classrooms import selectors
from classrooms.services import classes, scenarios
from classrooms.services import trading as member_trading
from core.errors import ApplicationError, NotFound
from trading.selectors import isolated_symbols, platform_settings_get


def _class_or_404(request: AuthenticatedHttpRequest, classroom_id: int):
    try:
        return selectors.classroom_get_for_user(user=request.user, classroom_id=classroom_id)
    except NotFound:
        raise Http404("Class not found.") from None


def _attempt(request, action: Callable[[], object], *, done: str) -> None:
    """Run a service; its refusal is said on the next page, in words."""
    try:
        action()
    except NotFound as error:
        messages.error(request, error.message)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


@login_required
@require_http_methods(["GET", "POST"])
def class_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "join":
            return _join(request, request.POST.get("code", ""))
        try:
            classroom = classes.classroom_create(
                instructor=request.user,
                name=request.POST.get("name", ""),
                starting_balance=request.POST.get("starting_balance", ""),
                symbols=request.POST.getlist("symbols"),
                risk_profile=request.POST.get("risk_profile") or None,
                maker_fee=request.POST.get("maker_fee") or None,
                taker_fee=request.POST.get("taker_fee") or None,
                futures=request.POST.get("futures") == "on",
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("classes")
        return redirect("class", classroom.pk)
    return render(
        request,
        "classrooms/list.html",
        {
            "classes": selectors.classroom_list_for_user(user=request.user),
            "is_instructor": classes.is_instructor(request.user),
            "symbols": isolated_symbols(),
            "profiles": selectors.risk_profile_names(),
            "platform_profile": platform_settings_get().risk_profile.name,
        },
    )


def _join(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    try:
        membership, _ = classes.membership_join(user=request.user, code=code)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("classes")
    return redirect("class", membership.classroom_id)


@login_required
@require_http_methods(["GET", "POST"])
def class_join_link(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The join link: a page asking to confirm (GET must change nothing), the join itself on POST."""
    if request.method == "POST":
        return _join(request, code)
    return render(request, "classrooms/join.html", {"code": code})


@login_required
def class_detail(request: AuthenticatedHttpRequest, classroom_id: int) -> HttpResponse:
    classroom = _class_or_404(request, classroom_id)
    teaching = classroom.instructor_id == request.user.pk
    context: dict = {
        "classroom": classroom,
        "teaching": teaching,
        "pairs": selectors.class_pairs(classroom=classroom),
        "run": selectors.run_current(classroom=classroom),
    }
    if teaching:
        context["scenarios"] = selectors.scenario_list()
        context["join_url"] = request.build_absolute_uri(reverse("class-join-link", args=[classroom.join_code]))
    else:
        membership = selectors.membership_get(user=request.user, classroom=classroom)
        context["summaries"] = selectors.member_summaries(membership=membership)
    return render(request, "classrooms/detail.html", context)


@login_required
@require_POST
def class_scenario(request: AuthenticatedHttpRequest, classroom_id: int, action: str) -> HttpResponse:
    classroom = _class_or_404(request, classroom_id)
    services = {
        "start": lambda: scenarios.scenario_start(
            user=request.user,
            classroom_id=classroom.pk,
            scenario=request.POST.get("scenario", ""),
            speed=request.POST.get("speed") or None,
        ),
        "pause": lambda: scenarios.scenario_pause(user=request.user, classroom_id=classroom.pk),
        "resume": lambda: scenarios.scenario_resume(user=request.user, classroom_id=classroom.pk),
        "stop": lambda: scenarios.scenario_stop(user=request.user, classroom_id=classroom.pk),
        "price": lambda: scenarios.class_price_set(
            user=request.user,
            classroom_id=classroom.pk,
            symbol=request.POST.get("symbol", ""),
            price=request.POST.get("price", ""),
        ),
    }
    if action not in services:
        raise Http404("No such action.")
    _attempt(request, services[action], done=f"Scenario: {action} done." if action != "price" else "Price set.")
    return redirect("class", classroom.pk)


@login_required
@require_POST
def class_trade(request: AuthenticatedHttpRequest, classroom_id: int, action: str) -> HttpResponse:
    """A member's order, transfer or new isolated account in the class."""
    classroom = _class_or_404(request, classroom_id)
    post = request.POST
    services = {
        "order": lambda: member_trading.member_order_place(
            user=request.user,
            classroom_id=classroom.pk,
            account_id=post.get("account", ""),
            symbol=post.get("symbol", ""),
            side=post.get("side", ""),
            type=post.get("type") or "MARKET",
            quantity=post.get("quantity") or None,
            price=post.get("price") or None,
            time_in_force="GTC" if post.get("type") == "LIMIT" else None,
            side_effect=post.get("side_effect") or None,
        ),
        "transfer": lambda: member_trading.member_transfer(
            user=request.user,
            classroom_id=classroom.pk,
            from_account_id=post.get("from_account", ""),
            to_account_id=post.get("to_account", ""),
            asset=post.get("asset", ""),
            amount=post.get("amount", ""),
        ),
        "isolated": lambda: member_trading.member_isolated_open(
            user=request.user, classroom_id=classroom.pk, symbol=post.get("symbol", ""), leverage=5
        ),
    }
    if action not in services:
        raise Http404("No such action.")
    _attempt(
        request,
        services[action],
        done={"order": "Order placed.", "transfer": "Transferred.", "isolated": "Isolated account enabled."}[action],
    )
    return redirect("class", classroom.pk)
