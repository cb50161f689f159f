"""Reads of the classrooms app: which classes a user may see, a member's accounts, the class board."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q

from accounts.models import User
from classrooms import board
from classrooms.models import ClassPair, Classroom, EquitySample, Membership, Scenario, ScenarioRun
from core.errors import ApplicationError, NotFound
from risk.models import Liquidation, MarginCall
from trading import selectors as trading_selectors
from trading.margin import Status
from trading.models import Account, AccountKind, Balance, RiskProfile
from trading.selectors import AccountSummary

SEVERITY = {Status.NORMAL: 0, Status.MARGIN_CALL: 1, Status.LIQUIDATION: 2}


def _as_id(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def classroom_list_for_user(*, user: User) -> list[Classroom]:
    """The classes the user teaches and those they joined."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Classroom.objects.filter(Q(instructor=user) | Q(memberships__student=user))
        .distinct()
        .select_related("instructor")
        .order_by("-id")
    )


def classroom_get_for_user(*, user: User, classroom_id) -> Classroom:
    """A class its instructor teaches or the user is a member of; any other is 'not found'."""
    classroom_id = _as_id(classroom_id)
    classroom = None
    if classroom_id is not None and user is not None and user.is_authenticated:
        classroom = (
            Classroom.objects.filter(Q(instructor=user) | Q(memberships__student=user), pk=classroom_id)
            .select_related("instructor", "market")
            .distinct()
            .first()
        )
    if classroom is None:
        raise NotFound("Class not found.")
    return classroom


def classroom_get_for_instructor(*, user: User, classroom_id) -> Classroom:
    """The class, for what only its instructor may do: a member is refused (403), anyone else 404."""
    classroom = classroom_get_for_user(user=user, classroom_id=classroom_id)
    if classroom.instructor_id != user.pk:
        raise ApplicationError("Only the class's instructor can do that.", code="permission_denied", status=403)
    return classroom


def membership_get(*, user: User, classroom: Classroom) -> Membership:
    membership = Membership.objects.filter(classroom=classroom, student=user).select_related("holder").first()
    if membership is None:
        raise ApplicationError("You are not a member of this class.", code="not_a_member", status=403)
    return membership


def class_pairs(*, classroom: Classroom) -> list[ClassPair]:
    return list(
        ClassPair.objects.filter(classroom=classroom)
        .select_related("source", "pair__base", "pair__mark")
        .order_by("source__symbol")
    )


def class_symbol(*, classroom: Classroom, symbol) -> str:
    """The class pair a request means, by the main symbol ("ETHUSDT") or the class's own ("C3ETHUSDT")."""
    text = symbol.upper() if isinstance(symbol, str) else ""
    for class_pair in class_pairs(classroom=classroom):
        if text in (class_pair.source.symbol, class_pair.pair.symbol):
            return class_pair.pair.symbol
    raise ApplicationError(
        f"Invalid symbol: {symbol!r}.", code="unknown_symbol", fields={"symbol": ["Invalid symbol."]}
    )


def class_asset(*, classroom: Classroom, asset) -> str:
    """An asset code in the class: USDT is USDT; a main base asset ("ETH") is the class's copy."""
    text = asset.upper() if isinstance(asset, str) else ""
    if text == trading_selectors.QUOTE_ASSET:
        return text
    for class_pair in class_pairs(classroom=classroom):
        if text in (class_pair.source.base.code, class_pair.pair.base.code):
            return class_pair.pair.base.code
    raise ApplicationError(f"Unknown asset: {asset!r}.", code="unknown_asset", fields={"asset": ["Unknown asset."]})


def class_market_names(market_id: int) -> dict[str, str]:
    """A class market's names by the main ones (``ETHUSDT`` -> ``C3ETHUSDT``, ``ETH`` -> ``C3ETH``): what a
    bot pointed at the class with a class key calls them (``trading.binance.markets``)."""
    rows = ClassPair.objects.filter(classroom__market_id=market_id).values_list(
        "source__symbol", "pair__symbol", "source__base__code", "pair__base__code"
    )
    names: dict[str, str] = {}
    for main_symbol, symbol, main_base, base in rows:
        names[main_symbol] = symbol
        names[main_base] = base
    return names


def class_replay_access(user: User) -> Q:
    """The class records (liquidations, margin calls) a user may replay beside their own: those of their own
    class accounts, and, for an instructor, those of the classes they teach. No one else's."""
    return Q(account__user__class_holding__student=user) | Q(account__user__class_holding__classroom__instructor=user)


def risk_profile_names() -> list[str]:
    """The profiles an instructor may give a class."""
    return list(RiskProfile.objects.order_by("name").values_list("name", flat=True))


def member_summaries(*, membership: Membership) -> list[AccountSummary]:
    return trading_selectors.account_summaries_for_user(user=membership.holder)


def scenario_list() -> list[Scenario]:
    return list(Scenario.objects.order_by("name"))


def scenario_get(*, scenario) -> Scenario:
    found = None
    if isinstance(scenario, str) and scenario and len(scenario) <= 64:
        found = Scenario.objects.filter(slug=scenario).first()
    elif (scenario_id := _as_id(scenario)) is not None:
        found = Scenario.objects.filter(pk=scenario_id).first()
    if found is None:
        raise NotFound("Scenario not found.", fields={"scenario": ["Unknown scenario."]})
    return found


def run_current(*, classroom: Classroom) -> ScenarioRun | None:
    """The class's running or paused run, else its latest."""
    runs = ScenarioRun.objects.filter(classroom=classroom).select_related("scenario")
    return runs.filter(state__in=[ScenarioRun.State.RUNNING, ScenarioRun.State.PAUSED]).first() or runs.first()


@dataclass
class BoardRow:
    membership_id: int
    student: str
    equity: Decimal
    return_rate: Decimal
    drawdown: Decimal
    margin_level: Decimal | None  # the cross account's
    lowest_margin_level: Decimal | None  # of all margin accounts with debt
    status: str  # the worst of the member's margin accounts
    margin_calls: int
    liquidations: int
    rank_by_return: int = 0
    rank_by_drawdown: int = 0
    # Newest first: each opens as its explained replay (risk.replay) from the board.
    liquidation_ids: list[int] = field(default_factory=list)


SORT_KEYS = {
    "student": lambda r: r.student.lower(),
    "equity": lambda r: r.equity,
    "return": lambda r: r.return_rate,
    "drawdown": lambda r: r.drawdown,
    "margin_level": lambda r: (r.margin_level is None, r.margin_level or Decimal(0)),
    "margin_calls": lambda r: r.margin_calls,
    "liquidations": lambda r: r.liquidations,
    "status": lambda r: SEVERITY[Status(r.status)],
    "rank_by_return": lambda r: r.rank_by_return,
    "rank_by_drawdown": lambda r: r.rank_by_drawdown,
}


def board_sort(rows: list[BoardRow], *, sort, order) -> list[BoardRow]:
    if sort not in SORT_KEYS:
        message = f"sort is one of {', '.join(SORT_KEYS)}."
        raise ApplicationError(message, fields={"sort": [message]})
    if order not in ("asc", "desc"):
        raise ApplicationError("order is asc or desc.", fields={"order": ["asc or desc."]})
    return sorted(rows, key=SORT_KEYS[sort], reverse=order == "desc")


def class_board(*, classroom: Classroom) -> list[BoardRow]:
    """Every member's equity (all class accounts at the class's prices), return, drawdown, margin levels,
    margin calls and liquidations, with both ranks; in a fixed number of queries, by rank by return."""
    memberships = list(Membership.objects.filter(classroom=classroom).select_related("student").order_by("id"))
    holder_of = {m.holder_id: m for m in memberships}
    accounts = (
        Account.objects.filter(user_id__in=list(holder_of))
        .exclude(kind__in=[AccountKind.SYSTEM, AccountKind.FUTURES])
        .select_related("pair__base", "pair__quote")
        .prefetch_related(Prefetch("balances", queryset=Balance.objects.select_related("asset")))
        .order_by("id")
    )
    prices = trading_selectors.mark_prices()
    tiers = trading_selectors.risk_tiers(
        profile_id=trading_selectors.market_settings_get(classroom.market_id).risk_profile_id
    )
    by_member: dict[int, list[AccountSummary]] = defaultdict(list)
    for account in accounts:
        summary = trading_selectors.account_summary(
            account=account, balances=list(account.balances.all()), prices=prices, tiers=tiers
        )
        by_member[holder_of[account.user_id or 0].pk].append(summary)
    calls = dict(
        MarginCall.objects.filter(account__user_id__in=list(holder_of))
        .values_list("account__user_id")
        .annotate(n=Count("id"))
    )
    liquidations: dict[int, list[int]] = defaultdict(list)
    for user_id, liquidation_id in (
        Liquidation.objects.filter(account__user_id__in=list(holder_of))
        .order_by("-created_at", "-id")
        .values_list("account__user_id", "id")
    ):
        liquidations[user_id].append(liquidation_id)
    samples: dict[int, list[Decimal]] = defaultdict(list)
    for membership_id, equity in (
        EquitySample.objects.filter(membership__classroom=classroom)
        .order_by("membership_id", "taken_at", "id")
        .values_list("membership_id", "equity")
    ):
        samples[membership_id].append(equity)
    rows = []
    for m in memberships:
        summaries = by_member[m.pk]
        equity = sum((s.valuation.assets - s.valuation.debt for s in summaries), Decimal(0))
        margin = [s for s in summaries if s.account.is_margin]
        cross = next((s for s in margin if s.account.kind == AccountKind.CROSS), None)
        levels = [s.margin_level for s in margin if s.margin_level is not None]
        worst = max((s.status for s in margin), key=SEVERITY.__getitem__, default=Status.NORMAL)
        rows.append(
            BoardRow(
                membership_id=m.pk,
                student=m.student.username,
                equity=equity,
                return_rate=board.return_of(equity=equity, start=classroom.starting_balance),
                drawdown=board.max_drawdown([classroom.starting_balance, *samples[m.pk], equity]),
                margin_level=cross.margin_level if cross else None,
                lowest_margin_level=min(levels, default=None),
                status=str(worst),
                margin_calls=calls.get(m.holder_id, 0),
                liquidations=len(liquidations.get(m.holder_id, [])),
                liquidation_ids=liquidations.get(m.holder_id, []),
            )
        )
    for row, rank in zip(rows, board.ranks([r.return_rate for r in rows], higher_is_better=True), strict=True):
        row.rank_by_return = rank
    for row, rank in zip(rows, board.ranks([r.drawdown for r in rows], higher_is_better=False), strict=True):
        row.rank_by_drawdown = rank
    return sorted(rows, key=lambda r: (r.rank_by_return, r.membership_id))


def member_equities(*, classroom: Classroom) -> dict[int, Decimal]:
    """Each member's class equity now (for the equity samples a scenario step takes)."""
    return {row.membership_id: row.equity for row in class_board(classroom=classroom)}
