"""Scenario runs: start, pause, resume, stop, and the step Celery plays them by.

Scenario time advances with the wall clock times the run's speed while it runs. Each step computes
every played price from the scenario time alone (``classrooms.scenario.prices_at``) and moves the class
pairs that differ through the platform's price-moving service (``risk.staff.price_set_now``: the
mark, the candles, the matcher and the sweep of that asset's holders at once), so a step played twice
moves nothing twice. A start or resume begins a new chain of steps (``ScenarioRun.chain``); a step of an
older chain, or a second delivery of the same step (``steps`` claimed with a conditional UPDATE), does
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from classrooms import selectors
from classrooms.models import Classroom, EquitySample, ScenarioRun
from classrooms.scenario import SPEED_MAX, ScenarioError, Spec, fundings_due, prices_at, rates_due, spec_parse
from core.errors import ApplicationError, Conflict
from core.money import parse_decimal
from futures.models import FuturesSymbol
from futures.services.funding import futures_funding_settle
from risk.staff import price_set_now, prices_set_now
from trading import margin
from trading import selectors as trading_selectors
from trading.services.platform import asset_update

# Seconds between two steps of a running scenario (wall clock).
STEP_SECONDS = 1.0
State = ScenarioRun.State


def _clean_speed(speed, default: Decimal) -> Decimal:
    if speed is None or speed == "":
        return default
    value = parse_decimal(speed) if isinstance(speed, str) else speed
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        value = None
    if value is None or not Decimal(value).is_finite() or not 0 < value <= SPEED_MAX:
        message = f"speed: more than 0, at most {SPEED_MAX} (scenario seconds per second)."
        raise ApplicationError(message, fields={"speed": [message]})
    return Decimal(value).quantize(Decimal("0.001"))


def spec_for(*, classroom: Classroom, spec) -> Spec:
    """The scenario checked against the class: every symbol and asset it plays must be in the class."""
    try:
        parsed = spec_parse(spec)
    except ScenarioError as error:
        raise ApplicationError(str(error), code="bad_scenario", fields={"spec": [str(error)]}) from None
    sources = {cp.source.symbol for cp in selectors.class_pairs(classroom=classroom)}
    bases = {cp.source.base.code for cp in selectors.class_pairs(classroom=classroom)}
    missing = [s for s in parsed.symbols if s not in sources] + [a for a in parsed.assets if a not in bases]
    if parsed.fundings:
        perpetuals = set(
            FuturesSymbol.objects.filter(pair__class_pair__classroom=classroom).values_list(
                "pair__class_pair__source__symbol", flat=True
            )
        )
        missing += [f"{s.symbol} perpetuals" for s in parsed.fundings if s.symbol not in perpetuals]
    if missing:
        message = f"This class does not trade {', '.join(missing)}: the scenario cannot play in it."
        raise ApplicationError(message, code="scenario_not_allowed", fields={"scenario": [message]})
    return parsed


def _start_prices(classroom: Classroom) -> dict[str, str]:
    return {
        cp.source.symbol: str(cp.pair.mark.price)
        for cp in selectors.class_pairs(classroom=classroom)
        if hasattr(cp.pair, "mark")
    }


def _enqueue(run: ScenarioRun) -> None:
    from classrooms.tasks import scenario_step  # tasks import the services: a call, not a module import

    run_id, chain = run.pk, run.chain
    transaction.on_commit(lambda: scenario_step.delay(run_id, chain))


def scenario_start(*, user: User, classroom_id, scenario, speed=None) -> ScenarioRun:
    classroom = selectors.classroom_get_for_instructor(user=user, classroom_id=classroom_id)
    found = selectors.scenario_get(scenario=scenario)
    parsed = spec_for(classroom=classroom, spec=found.spec)
    speed = _clean_speed(speed, parsed.speed)
    try:
        with transaction.atomic():
            run = ScenarioRun.objects.create(
                classroom=classroom,
                scenario=found,
                speed=speed,
                resumed_at=timezone.now(),
                chain=1,
                state_data={"start": _start_prices(classroom), "rates": []},
                started_by=user,
            )
            _enqueue(run)
    except IntegrityError:
        raise Conflict("A scenario is already running or paused in this class: stop it first.") from None
    return run


def _active_run(*, user: User, classroom_id) -> ScenarioRun:
    classroom = selectors.classroom_get_for_instructor(user=user, classroom_id=classroom_id)
    run = (
        ScenarioRun.objects.select_for_update()
        .filter(classroom=classroom, state__in=[State.RUNNING, State.PAUSED])
        .first()
    )
    if run is None:
        raise Conflict("No scenario is running or paused in this class.", code="no_active_scenario")
    return run


def scenario_time(run: ScenarioRun, *, now: datetime) -> Decimal:
    if run.state != State.RUNNING or run.resumed_at is None:
        return run.elapsed
    return run.elapsed + Decimal(str((now - run.resumed_at).total_seconds())) * run.speed


def scenario_pause(*, user: User, classroom_id) -> ScenarioRun:
    with transaction.atomic():
        run = _active_run(user=user, classroom_id=classroom_id)
        if run.state != State.RUNNING:
            raise Conflict("The scenario is already paused.", code="not_running")
        run.elapsed = scenario_time(run, now=timezone.now()).quantize(Decimal("0.001"))
        run.state, run.resumed_at, run.chain = State.PAUSED, None, run.chain + 1
        run.save(update_fields=["elapsed", "state", "resumed_at", "chain"])
    return run


def scenario_resume(*, user: User, classroom_id) -> ScenarioRun:
    with transaction.atomic():
        run = _active_run(user=user, classroom_id=classroom_id)
        if run.state != State.PAUSED:
            raise Conflict("The scenario is running, not paused.", code="not_paused")
        run.state, run.resumed_at, run.chain = State.RUNNING, timezone.now(), run.chain + 1
        run.save(update_fields=["state", "resumed_at", "chain"])
        _enqueue(run)
    return run


def scenario_stop(*, user: User, classroom_id) -> ScenarioRun:
    """Stop for good: prices stay where the scenario left them."""
    with transaction.atomic():
        run = _active_run(user=user, classroom_id=classroom_id)
        run.elapsed = scenario_time(run, now=timezone.now()).quantize(Decimal("0.001"))
        run.state, run.resumed_at, run.chain, run.ended_at = State.STOPPED, None, run.chain + 1, timezone.now()
        run.save(update_fields=["elapsed", "state", "resumed_at", "chain", "ended_at"])
    return run


@dataclass(frozen=True)
class StepResult:
    ran: bool
    again: bool = False
    moved: int = 0


def scenario_step(*, run_id: int, chain: int, now: datetime | None = None) -> StepResult:
    """Play the run up to now; ``again`` when the next step should follow (the task schedules it)."""
    now = now or timezone.now()
    run = ScenarioRun.objects.select_related("classroom__market", "scenario").filter(pk=run_id).first()
    if run is None or run.state != State.RUNNING or run.chain != chain:
        return StepResult(ran=False)
    claimed = ScenarioRun.objects.filter(pk=run.pk, state=State.RUNNING, chain=chain, steps=run.steps).update(
        steps=F("steps") + 1
    )
    if not claimed:
        return StepResult(ran=False)
    classroom = run.classroom
    spec = spec_for(classroom=classroom, spec=run.scenario.spec)
    t = min(scenario_time(run, now=now), spec.duration)
    start = {symbol: Decimal(price) for symbol, price in run.state_data.get("start", {}).items()}
    moved = _move_prices(classroom, prices_at(spec, t, start=start))
    applied = set(run.state_data.get("rates", []))
    for change in rates_due(spec, t):
        if change.index not in applied:
            code = selectors.class_asset(classroom=classroom, asset=change.asset)
            asset_update(code=code, daily_interest_rate=change.daily_rate, market=classroom.market)
            applied.add(change.index)
    # Funding spikes, each paid once (by its index, as the rate changes): on the class's perpetual only.
    for spike in fundings_due(spec, t):
        if spike.index not in applied:
            symbol = selectors.class_symbol(classroom=classroom, symbol=spike.symbol)
            futures_funding_settle(symbol=symbol, rate=spike.rate, now=now)
            applied.add(spike.index)
    finished = t >= spec.duration
    with transaction.atomic():
        EquitySample.objects.bulk_create(
            EquitySample(membership_id=m, equity=equity, taken_at=now)
            for m, equity in selectors.member_equities(classroom=classroom).items()
        )
        changes: dict = {"state_data": {**run.state_data, "rates": sorted(applied)}}
        if finished:
            changes |= {"state": State.FINISHED, "elapsed": t, "resumed_at": None, "ended_at": now}
        still = ScenarioRun.objects.filter(pk=run.pk, state=State.RUNNING, chain=chain).update(**changes)
    return StepResult(ran=True, again=bool(still) and not finished, moved=moved)


def _move_prices(classroom: Classroom, targets: dict[str, Decimal]) -> int:
    moves: dict[str, Decimal] = {}
    for class_pair in selectors.class_pairs(classroom=classroom):
        target = targets.get(class_pair.source.symbol)
        if target is None:
            continue
        tick = class_pair.pair.tick_size
        price = max(margin.round_half_up(target, tick), tick)
        current = getattr(class_pair.pair, "mark", None)
        if current is not None and current.price == price:
            continue
        moves[class_pair.pair.symbol] = price
    prices_set_now(prices=moves, market=classroom.market)
    return len(moves)


def class_price_set(*, user: User, classroom_id, symbol, price) -> Decimal:
    """The instructor moves a class price by hand (the same service as a scenario step)."""
    classroom = selectors.classroom_get_for_instructor(user=user, classroom_id=classroom_id)
    move = price_set_now(
        symbol=selectors.class_symbol(classroom=classroom, symbol=symbol), price=price, market=classroom.market
    )
    return move.mark.price


def market_prices(*, classroom: Classroom) -> dict[str, Decimal]:
    """The class's prices by main symbol."""
    prices = trading_selectors.mark_prices()
    return {cp.source.symbol: prices[cp.pair.base.code] for cp in selectors.class_pairs(classroom=classroom)}
