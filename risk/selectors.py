"""Reads of the risk engine. The margin levels of many accounts come from ONE set-based SQL query.

The query values every balance at mark prices, sums per account, joins the account's risk tier and its
last known state, and returns only the accounts that need the engine's attention: near or past the
margin-call line, in a non-normal state, due a snapshot, or whose watch flag changes. SQL does the
filtering; the exact Decimal classification of the few rows returned is ``trading.margin``'s (SQLite's
floating point only ever makes the filter a little generous).

A tick values fewer accounts: those exposed to the assets that moved, and of those, where the last full
sweep of their chunk still holds (see ``risk.models.SweepBaseline``), only the watched ones and those
the ledger changed since.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from risk.models import SweepBaseline
from trading import margin
from trading.lookup_cache import lookup_cached
from trading.margin import Ratios, Status
from trading.models import Account, AccountKind, Asset, Balance, JournalEntry, LedgerLine, Market, MarkPrice
from trading.selectors import QUOTE_ASSET, holdings_of, isolated_tier_tables, mark_prices, risk_tiers

# The filter lets through accounts up to this factor above the margin-call line, so that a floating
# point SQL (SQLite) can never hide an account whose exact level is on the line.
FILTER_SLACK = Decimal("1.000001")
# A tick reads at most this many ledger lines to find the accounts changed since the baselines; with
# more (the hourly interest run touches every debt) it values every exposed account instead.
CHANGED_LINES_MAX = 20000


@dataclass(frozen=True)
class Inputs:
    """What a sweep values at: the mark price of each asset id (the quote asset's is 1), and the risk
    profile with its highest margin-call line."""

    profile_id: int
    prices: dict[int, Decimal]
    margin_call: Decimal

    @property
    def watch_line(self) -> Decimal:
        """Accounts at or under this margin level are watched."""
        return self.margin_call * django_settings.MARGINLAB_WATCH_FACTOR * FILTER_SLACK


def market_profiles() -> dict[int, int]:
    """The risk profile of each market of its own (a class's) that trades by one instead of the platform's."""
    return lookup_cached(
        "market-profiles",
        lambda: dict(Market.objects.exclude(risk_profile=None).values_list("id", "risk_profile_id")),
    )


def _profile_of_account() -> str:
    """SQL: the profile id of account ``a``: its market's own, else the platform's. A CASE over the few
    markets with a profile of their own (none: the platform's, the query as it always was), not a join: a
    join to the markets measured 40 % slower on the full sweep (60,000 accounts)."""
    own = market_profiles()
    if not own:
        return "%(profile)s"
    whens = " ".join(f"WHEN {int(market)} THEN {int(profile)}" for market, profile in sorted(own.items()))
    return f"(CASE a.market_id {whens} ELSE %(profile)s END)"


def valuation_inputs(*, profile_id: int) -> Inputs:
    """The prices, and the platform's profile; the highest margin-call line is that of every profile in use
    (a class's account is classified by its market's profile: the sweep's query joins each account's own)."""
    quote = Asset.objects.only("id").get(code=QUOTE_ASSET).pk
    rows = MarkPrice.objects.filter(pair__quote_id=quote).values_list("pair__base_id", "price")
    # As margin levels (a Cross Margin Pro tier keeps its lines in Pro units: tier_ratios converts them).
    lines = [
        ratios.margin_call
        for profile in {profile_id} | set(market_profiles().values())
        for ratios in risk_tiers(profile_id=profile).values()
    ]
    # An isolated tier may have its own margin-call line (trading.margin.tiers).
    lines += [t.margin_call for table in isolated_tier_tables().values() for t in table.tiers if t.margin_call]
    return Inputs(
        profile_id=profile_id, prices={quote: Decimal(1)} | dict(rows), margin_call=max(lines, default=Decimal(0))
    )


@dataclass(frozen=True)
class AccountLevel:
    account_id: int
    assets: Decimal
    debt: Decimal
    ratios: Ratios
    previous: str
    margin_call_at: datetime | None
    snapshot_at: datetime | None
    watched: bool = False  # as last recorded
    watch: bool = False  # at these values

    @property
    def valuation(self) -> margin.Valuation:
        return margin.Valuation(self.assets, self.debt)

    @property
    def level(self) -> Decimal | None:
        return margin.margin_level(self.assets, self.debt)

    @property
    def status(self) -> Status:
        return margin.classify(self.level, self.ratios)


_LEVELS = """
    SELECT b.account_id AS account_id,
           SUM((b.free + b.locked) * {price}) AS assets,
           SUM((b.borrowed + b.interest) * {price}) AS debt
    FROM {source}
    WHERE NOT b.is_system AND b.asset_id IN ({priced}){where}
    GROUP BY b.account_id"""

# The accounts with a balance row in one of the moved assets (a row left at zero only costs a look), read
# from the balance_exposure index alone; of those, the ones the tick must value (``_tick_scope``). Their
# levels are then summed from their balances only: a join, so PostgreSQL walks the balance_valuation
# index per account instead of scanning the table.
_EXPOSED = """
    exposed AS (
        SELECT DISTINCT account_id FROM trading_balance
        WHERE asset_id IN ({assets}) AND NOT is_system{range}
    ),
    scope AS (SELECT e.account_id FROM exposed e WHERE {scope}),"""

# Of the accounts a tick values, the ones it must classify: at or under the profile's highest
# margin-call line (the exact line of each account's tier is applied after), or not NORMAL, so that a
# recovery is seen. Only these few are joined to their account, tier and state.
_EXPOSED_CANDIDATES = """
    SELECT * FROM ({levels}) v
    WHERE (v.debt > 0 AND v.assets <= v.debt * %(margin_call)s * %(slack)s)
       OR v.account_id IN (SELECT account_id FROM risk_accountrisk WHERE status IN ('MARGIN_CALL', 'LIQUIDATION'))"""


def _levels(
    *, id_range: tuple[int, int] | None, exposed: tuple[str, str] | None, prices: dict[int, Decimal]
) -> tuple[str, str]:
    """The extra CTEs and the levels query of a scope: all accounts, a chunk (an account id range),
    and/or (``exposed``: the moved assets' ids and the scope condition of a tick) the accounts a tick
    values."""
    in_range = " AND {col} BETWEEN %(lo)s AND %(hi)s" if id_range is not None else ""
    # Each balance's price, looked up in a CASE over the few assets: cheaper than a join per balance.
    price = "CASE b.asset_id " + " ".join(f"WHEN {int(a)} THEN %(price_{int(a)})s" for a in prices) + " END"
    priced = ",".join(str(int(a)) for a in prices)
    if exposed is None:
        where = in_range.format(col="b.account_id")
        return "", _LEVELS.format(price=price, source="trading_balance b", priced=priced, where=where)
    assets, scope = exposed
    ctes = _EXPOSED.format(assets=assets, range=in_range.format(col="account_id"), scope=scope)
    source = "scope e JOIN trading_balance b ON b.account_id = e.account_id"
    return ctes, _LEVELS.format(price=price, source=source, priced=priced, where="")


def _params(id_range: tuple[int, int] | None, inputs: Inputs) -> dict:
    params: dict[str, object] = {f"price_{asset_id}": price for asset_id, price in inputs.prices.items()}
    params |= {"profile": inputs.profile_id, "slack": FILTER_SLACK, "margin_call": inputs.margin_call}
    params["watch_line"] = inputs.watch_line
    if id_range is not None:
        params["lo"], params["hi"] = id_range
    return params


def margin_levels_floor(*, inputs: Inputs, id_range: tuple[int, int] | None = None) -> list[tuple]:
    """The bare query: every account's asset and debt value. The benchmark's floor."""
    _, levels = _levels(id_range=id_range, exposed=None, prices=inputs.prices)
    with _sweep_transaction(exposed=False) as cursor:
        cursor.execute(levels, _params(id_range, inputs))
        return cursor.fetchall()


@contextmanager
def _sweep_transaction(*, exposed: bool) -> Iterator[CursorWrapper]:
    """A transaction for sweep queries. On PostgreSQL, with settings for a big aggregate over warm data:
    enough work_mem for the per-account sums to stay in memory (the default 4 MB spills them to disk),
    and the random_page_cost of data in memory or on SSD (1.1, not the spinning-disk 4).

    A tick reads the baselines, the watch flags, the ledger and the balances in one snapshot (repeatable
    read). The accounts it values are a few index probes each, but the planner, which cannot foresee how
    few, prefers hashing or merging whole tables; measured, the probes are three times faster, so for a
    tick the other strategies are off."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if exposed and outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            settings = {"work_mem": django_settings.MARGINLAB_SWEEP_WORK_MEM, "random_page_cost": "1.1"}
            # JIT compiling costs more (tens of ms per chunk) than it saves on these short aggregates.
            settings["jit"] = "off"
            if exposed:
                settings |= {"enable_hashjoin": "off", "enable_mergejoin": "off"}
                settings["max_parallel_workers_per_gather"] = "0"
            calls = ", ".join("set_config(%s, %s, true)" for _ in settings)
            cursor.execute(f"SELECT {calls}", [item for pair in settings.items() for item in pair])
        yield cursor


def _tick_scope(inputs: Inputs) -> tuple[str, dict]:
    """The condition on an exposed account ``e`` for a tick to value it, with its parameters.

    In a chunk whose baseline still holds (same profile, its highest line not raised, every price
    within the watch factor of the baseline's): only the watched accounts, those not NORMAL, and those
    the ledger changed since the baseline (less a grace for transactions in flight). Anywhere else:
    every exposed account.
    """
    factor = django_settings.MARGINLAB_WATCH_FACTOR
    holding = [
        baseline
        for baseline in SweepBaseline.objects.all()
        if baseline.profile_id == inputs.profile_id
        and inputs.margin_call <= baseline.margin_call
        and margin.price_drift(_prices_of(baseline), inputs.prices) * factor >= 1
    ]
    if not holding:
        return "TRUE", {}
    grace = timedelta(seconds=django_settings.MARGINLAB_LEDGER_GRACE_SECONDS)
    since = min(baseline.swept_at for baseline in holding) - grace
    changed_from = (
        JournalEntry.objects.filter(created_at__gte=since).order_by("id").values_list("id", flat=True).first()
    )
    changed = ""
    if changed_from is not None:
        if LedgerLine.objects.filter(entry_id__gte=changed_from)[: CHANGED_LINES_MAX + 1].count() > CHANGED_LINES_MAX:
            return "TRUE", {}
        changed = """
            OR e.account_id IN (
                SELECT b.account_id FROM trading_ledgerline l JOIN trading_balance b ON b.id = l.balance_id
                WHERE l.entry_id >= %(changed_from)s)"""
    covered = " OR ".join(f"e.account_id BETWEEN {lo} AND {hi}" for lo, hi in _adjacent_merged(holding))
    scope = f"""NOT ({covered})
        OR EXISTS (
            SELECT 1 FROM risk_accountrisk w
            WHERE w.account_id = e.account_id AND (w.watched OR w.status <> 'NORMAL')){changed}"""
    return scope, {"changed_from": changed_from}


def _adjacent_merged(baselines: list[SweepBaseline]) -> list[tuple[int, int]]:
    """The id ranges of the baselines, adjacent ones merged (the chunks of one sweep make one range)."""
    ranges: list[tuple[int, int]] = []
    for baseline in sorted(baselines, key=lambda b: b.first_account):
        lo, hi = int(baseline.first_account), int(baseline.last_account)
        if ranges and lo == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], hi)
        else:
            ranges.append((lo, hi))
    return ranges


def _prices_of(baseline: SweepBaseline) -> dict[int, Decimal]:
    return {int(asset_id): Decimal(price) for asset_id, price in baseline.prices.items()}


_CLASSIFIED = """
    WITH {exposed}lv AS ({levels})
    SELECT lv.account_id, lv.assets, lv.debt,
           a.kind, a.leverage,
           COALESCE(r.status, 'NORMAL'), r.margin_call_at, r.snapshot_at,
           COALESCE(r.watched, FALSE), {watch}, a.pair_id, t.profile_id
    FROM lv
    JOIN trading_account a ON a.id = lv.account_id{account_range}
    JOIN trading_risktier t ON t.profile_id = {profile} AND t.kind = a.kind AND t.leverage = a.leverage{tier_join}
    LEFT JOIN risk_accountrisk r ON r.account_id = lv.account_id{risk_range}
    {tail}"""

# The lines the filters compare with: the tier's, widened by an isolated pair's tiers that have lines of their
# own (trading.margin.tiers), so that the filter stays generous whatever tier an account is in; the exact
# tier of each account returned is applied after (``_with_borrow_tiers``). While no isolated tier has lines
# of its own (the default: Binance keeps one margin-call and liquidation line per leverage class), the
# profile tier's lines are every tier's and the query stays as it was.
_TIER_JOIN = """
    LEFT JOIN (
        SELECT pair_id, leverage, MAX(margin_call) AS mc_hi, MIN(margin_call) AS mc_lo, MAX(liquidation) AS liq_hi
        FROM trading_isolatedmargintier GROUP BY pair_id, leverage
    ) it ON a.kind = 'isolated' AND it.pair_id = a.pair_id AND it.leverage = a.leverage"""
_LINES = {
    "mc_hi": "(CASE WHEN it.mc_hi > t.margin_call THEN it.mc_hi ELSE t.margin_call END)",
    "mc_lo": "(CASE WHEN it.mc_lo < t.margin_call THEN it.mc_lo ELSE t.margin_call END)",
    "liq_hi": "(CASE WHEN it.liq_hi > t.liquidation THEN it.liq_hi ELSE t.liquidation END)",
}
_PROFILE_LINES = {"mc_hi": "t.margin_call", "mc_lo": "t.margin_call", "liq_hi": "t.liquidation"}


def _tiers_have_lines() -> bool:
    """Does any isolated tier set a margin-call or liquidation line of its own?"""
    return any(
        t.margin_call is not None or t.liquidation is not None
        for table in isolated_tier_tables().values()
        for t in table.tiers
    )


_WATCH = "(lv.debt > 0 AND lv.assets <= lv.debt * %(watch_line)s)"


def _classified(
    tail: str, params: dict, *, inputs: Inputs, id_range: tuple[int, int] | None, assets: list[int] | None
) -> list[AccountLevel]:
    """The margin accounts in scope valued, joined to their risk tier and last state, filtered by ``tail``.

    In scope: every account, a chunk's, or (a tick) the candidates among those exposed to moved assets.
    """
    params = _params(id_range, inputs) | params
    # The join to the tiers keeps only accounts whose tier exists; their thresholds come from the one
    # conversion of a tier (trading.selectors.tier_ratios), of the account's market's profile (a class's
    # own, else the platform's).
    tiers: dict[int, dict[tuple[str, int], Ratios]] = {}
    own_lines = _tiers_have_lines()
    with _sweep_transaction(exposed=assets is not None) as cursor:
        exposed = None
        if assets is not None:
            scope, scope_params = _tick_scope(inputs)
            exposed, params = (",".join(str(int(a)) for a in assets) or "NULL", scope), params | scope_params
        ctes, levels = _levels(id_range=id_range, exposed=exposed, prices=inputs.prices)
        if assets is not None:
            levels = _EXPOSED_CANDIDATES.format(levels=levels)
        # The chunk's id range on the joined tables too, so that they are read by range, not hashed whole.
        in_range = " AND {}.{} BETWEEN %(lo)s AND %(hi)s" if id_range is not None else ""
        sql = _CLASSIFIED.format(
            tier_join=_TIER_JOIN if own_lines else "",
            exposed=ctes,
            levels=levels,
            watch=_WATCH,
            account_range=in_range.format("a", "id"),
            profile=_profile_of_account(),
            risk_range=in_range.format("r", "account_id"),
            tail=tail.format(watch=_WATCH, **(_LINES if own_lines else _PROFILE_LINES)),
        )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    exact = _exact_values([row[0] for row in rows]) if connection.vendor != "postgresql" else {}
    for profile in {row[11] for row in rows} - set(tiers):
        tiers[profile] = risk_tiers(profile_id=profile)
    # What the sweep reads of the ratios are the lines: only tiers with lines of their own change them.
    by_borrow = _with_borrow_tiers(rows, tiers) if own_lines else {}
    return [
        AccountLevel(
            account_id=row[0],
            assets=exact[row[0]].assets if exact else row[1],
            debt=exact[row[0]].debt if exact else row[2],
            ratios=by_borrow.get(row[0]) or tiers[row[11]][(row[3], row[4])],
            previous=row[5],
            margin_call_at=_aware(row[6]),
            snapshot_at=_aware(row[7]),
            watched=bool(row[8]),
            watch=bool(row[9]),
        )
        for row in rows
    ]


def _with_borrow_tiers(rows: list[tuple], tiers: dict[int, dict[tuple[str, int], Ratios]]) -> dict[int, Ratios]:
    """The ratios of the isolated accounts among ``rows`` whose pair has tiered leverage: the tier their
    borrowed amounts put them in, applied to their market's profile tier (``tiers``, by profile id; one
    query for all of them; none when no row has tiers)."""
    tables = isolated_tier_tables()
    tiered = {row[0]: (row[11], row[4], tables[(row[10], row[4])]) for row in rows if (row[10], row[4]) in tables}
    if not tiered:
        return {}
    balances = defaultdict(list)
    for balance in Balance.objects.filter(account_id__in=list(tiered), borrowed__gt=0).only(
        "account_id", "asset_id", "borrowed"
    ):
        balances[balance.account_id].append(balance)
    return {
        account_id: margin.ratios_in_tier(
            tiers[profile][(AccountKind.ISOLATED, leverage)], table.in_force(balances[account_id])
        )
        for account_id, (profile, leverage, table) in tiered.items()
    }


def accounts_needing_attention(
    *,
    inputs: Inputs,
    now: datetime,
    snapshot_before: datetime,
    id_range: tuple[int, int] | None = None,
    assets: list[int] | None = None,
) -> list[AccountLevel]:
    """One query over every (or a chunk's) margin account; only those needing action.

    With ``assets`` (a tick), only the accounts exposed to them whose status may have changed: the
    periodic work on the others (interval snapshots, the 24-hour repeat of a margin call, watch flags)
    is the full sweep's, which beat runs every minute.
    """
    if assets is not None:
        return _classified(_MAY_HAVE_CHANGED, {}, inputs=inputs, id_range=id_range, assets=assets)
    tail = """
        WHERE (lv.debt > 0 AND lv.assets <= lv.debt * {mc_hi} * %(slack)s)
           OR (r.status IS NOT NULL AND r.status <> 'NORMAL')
           OR (lv.debt > 0 AND (r.snapshot_at IS NULL OR r.snapshot_at < %(snapshot_before)s))
           OR {watch} <> COALESCE(r.watched, FALSE)"""
    params = {"snapshot_before": connection.ops.adapt_datetimefield_value(snapshot_before)}
    return _classified(tail, params, inputs=inputs, id_range=id_range, assets=None)


# Every account whose status may differ from the one last recorded; one still certainly in margin call
# (between its liquidation and margin-call lines, by more than the slack) is left out.
_MAY_HAVE_CHANGED = """
    WHERE CASE COALESCE(r.status, 'NORMAL')
        WHEN 'NORMAL' THEN lv.debt > 0 AND lv.assets <= lv.debt * {mc_hi} * %(slack)s
        WHEN 'MARGIN_CALL' THEN NOT (
            lv.debt > 0
            AND lv.assets > lv.debt * {liq_hi} * %(slack)s
            AND lv.assets * %(slack)s <= lv.debt * {mc_lo}
        )
        ELSE TRUE
    END"""


def _exact_values(account_ids: list[int]) -> dict[int, margin.Valuation]:
    """Exact Decimal values of the given accounts, where the database summed in floating point."""

    prices = mark_prices()
    balances = defaultdict(list)
    for balance in Balance.objects.filter(account_id__in=account_ids).select_related("asset"):
        balances[balance.account_id].append(balance)
    return {
        account_id: margin.value([h for h in holdings_of(balances[account_id]) if h.asset in prices], prices)
        for account_id in account_ids
    }


def _aware(value: datetime | str | None) -> datetime | None:
    """Raw SQL on SQLite returns timestamps as naive UTC text."""
    if value is None or (isinstance(value, datetime) and value.tzinfo):
        return value
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC)


def margin_account_id_bounds() -> tuple[int, int] | None:
    ids = Account.objects.filter(kind__in=[AccountKind.CROSS, AccountKind.ISOLATED]).order_by("id")
    first, last = ids.values_list("id", flat=True).first(), ids.values_list("id", flat=True).last()
    return None if first is None or last is None else (first, last)


@dataclass(frozen=True)
class AccountNearLiquidation:
    account: Account
    level: AccountLevel

    @property
    def distance(self) -> Decimal | None:
        """How far the margin level may still fall before liquidation, as a fraction of it."""
        level = self.level.level
        if level is None:
            return None
        return (level - self.level.ratios.liquidation) / level


def accounts_nearest_liquidation(*, profile_id: int, limit: int = 50) -> list[AccountNearLiquidation]:
    """The margin accounts with debt whose live margin level is lowest, lowest first: the same set-based
    valuation as the sweep, ordered by assets / debt in SQL and limited there."""
    tail = "WHERE lv.debt > 0 ORDER BY lv.assets / lv.debt, lv.account_id LIMIT %(limit)s"
    inputs = valuation_inputs(profile_id=profile_id)
    levels = _classified(tail, {"limit": int(limit)}, inputs=inputs, id_range=None, assets=None)
    accounts = Account.objects.select_related("user", "pair").in_bulk([level.account_id for level in levels])
    found = [AccountNearLiquidation(account=accounts[level.account_id], level=level) for level in levels]
    # SQLite ordered by floating point: the exact levels decide.
    return sorted(found, key=lambda a: (a.level.level, a.account.pk))
