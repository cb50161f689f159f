"""Reads of the risk engine. The margin levels of many accounts come from ONE set-based SQL query.

The query values every balance at mark prices, sums per account, joins the account's risk tier and its
last known state, and returns only the accounts that need the engine's attention: near or past the
margin-call line, in a non-normal state, or due a snapshot. SQL does the filtering; the exact Decimal
classification of the few rows returned is ``trading.margin``'s (SQLite's floating point only ever
makes the filter a little generous).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings as django_settings
from django.db import connection, transaction

from trading import margin
from trading.margin import Ratios, Status
from trading.models import Account, AccountKind, Asset, Balance, MarkPrice
from trading.selectors import QUOTE_ASSET

# The filter lets through accounts up to this factor above the margin-call line, so that a floating
# point SQL (SQLite) can never hide an account whose exact level is on the line.
FILTER_SLACK = Decimal("1.000001")

_LEVELS = """
    SELECT b.account_id AS account_id,
           SUM((b.free + b.locked) * {price}) AS assets,
           SUM((b.borrowed + b.interest) * {price}) AS debt
    FROM {source}
    WHERE NOT b.is_system AND b.asset_id IN ({priced}){where}
    GROUP BY b.account_id"""

# The accounts with a balance row in one of the moved assets (a row left at zero only costs a look), read
# from the balance_exposure index alone. The levels are then summed from their balances only: a join,
# so PostgreSQL walks the balance_valuation index per account instead of scanning the table.
_EXPOSED = """
    exposed AS (
        SELECT DISTINCT account_id FROM trading_balance
        WHERE asset_id IN ({assets}) AND NOT is_system{range}
    )"""

# Of the exposed accounts, the ones a tick must classify: at or under the profile's highest margin-call
# line (the exact line of each account's tier is applied after), or not NORMAL, so that a recovery is
# seen. Only these few are joined to their account, tier and state.
_EXPOSED_CANDIDATES = """
    SELECT * FROM ({levels}) v
    WHERE (v.debt > 0 AND v.assets <= v.debt * %(slack)s
           * (SELECT MAX(margin_call) FROM trading_risktier WHERE profile_id = %(profile)s))
       OR v.account_id IN (SELECT account_id FROM risk_accountrisk WHERE status IN ('MARGIN_CALL', 'LIQUIDATION'))"""


@dataclass(frozen=True)
class AccountLevel:
    account_id: int
    assets: Decimal
    debt: Decimal
    ratios: Ratios
    previous: str
    margin_call_at: datetime | None
    snapshot_at: datetime | None

    @property
    def level(self) -> Decimal | None:
        return margin.margin_level(self.assets, self.debt)

    @property
    def status(self) -> Status:
        return margin.classify(self.level, self.ratios)


def _levels(
    *, id_range: tuple[int, int] | None, assets: list[int] | None, prices: dict[int, Decimal]
) -> tuple[str, str]:
    """The extra CTE and the levels query of a scope: all accounts, a chunk (an account id range),
    and/or only the accounts exposed to the assets that moved."""
    in_range = " AND {col} BETWEEN %(lo)s AND %(hi)s" if id_range is not None else ""
    # Each balance's price, looked up in a CASE over the few assets: cheaper than a join per balance.
    price = "CASE b.asset_id " + " ".join(f"WHEN {int(a)} THEN %(price_{int(a)})s" for a in prices) + " END"
    priced = ",".join(str(int(a)) for a in prices)
    if assets is None:
        where = in_range.format(col="b.account_id")
        return "", _LEVELS.format(price=price, source="trading_balance b", priced=priced, where=where)
    exposed = _EXPOSED.format(
        assets=",".join(str(int(a)) for a in assets) or "NULL", range=in_range.format(col="account_id")
    )
    source = "exposed e JOIN trading_balance b ON b.account_id = e.account_id"
    return exposed, _LEVELS.format(price=price, source=source, priced=priced, where="")


def _prices() -> dict[int, Decimal]:
    """The mark price of every priced asset by asset id, in the quote asset (which is 1)."""
    quote = Asset.objects.only("id").get(code=QUOTE_ASSET).pk
    rows = MarkPrice.objects.filter(pair__quote_id=quote).values_list("pair__base_id", "price")
    return {quote: Decimal(1)} | dict(rows)


def _params(id_range, prices: dict[int, Decimal]) -> dict:
    params = {f"price_{asset_id}": price for asset_id, price in prices.items()}
    if id_range is not None:
        params["lo"], params["hi"] = id_range
    return params


def margin_levels_floor(*, id_range: tuple[int, int] | None = None) -> list[tuple[int, Decimal, Decimal]]:
    """The bare query: every account's asset and debt value. The benchmark's floor."""
    prices = _prices()
    _, levels = _levels(id_range=id_range, assets=None, prices=prices)
    return _fetch(levels, _params(id_range, prices))


def _fetch(sql: str, params: dict, *, exposed: bool = False) -> list[tuple]:
    """Run a sweep query. On PostgreSQL, with session settings for a big aggregate over warm data:
    enough work_mem for the per-account sums to stay in memory (the default 4 MB spills them to disk),
    and the random_page_cost of data in memory or on SSD (1.1, not the spinning-disk 4).

    The exposed accounts of a tick are a few index probes each, and the candidates among them a few
    more; but the planner, which cannot foresee how few candidates the level filter leaves, prefers
    hashing or merging whole tables (and splitting that over parallel workers). Measured, the probes
    are three times faster, so for that query alone the other strategies are off."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = %s", [django_settings.MARGINLAB_SWEEP_WORK_MEM])
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            # JIT compiling costs more (tens of ms per chunk) than it saves on these short aggregates.
            cursor.execute("SET LOCAL jit = off")
            if exposed:
                cursor.execute("SET LOCAL enable_hashjoin = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        return cursor.fetchall()


_CLASSIFIED = """
    WITH {exposed}lv AS ({levels})
    SELECT lv.account_id, lv.assets, lv.debt,
           t.initial, t.margin_call, t.liquidation, t.transfer_out,
           COALESCE(r.status, 'NORMAL'), r.margin_call_at, r.snapshot_at
    FROM lv
    JOIN trading_account a ON a.id = lv.account_id{account_range}
    JOIN trading_risktier t ON t.profile_id = %(profile)s AND t.kind = a.kind AND t.leverage = a.leverage
    LEFT JOIN risk_accountrisk r ON r.account_id = lv.account_id{risk_range}
    {tail}"""


def _classified(
    tail: str, params: dict, *, profile_id: int, id_range: tuple[int, int] | None, assets: list[int] | None
) -> list[AccountLevel]:
    """The margin accounts in scope valued, joined to their risk tier and last state, filtered by ``tail``.

    In scope: every account, a chunk's, or (a tick) the candidates among those exposed to moved assets.
    """
    prices = _prices()
    exposed, levels = _levels(id_range=id_range, assets=assets, prices=prices)
    if assets is not None:
        exposed, levels = exposed + ",", _EXPOSED_CANDIDATES.format(levels=levels)
    # The chunk's id range on the joined tables too, so that they are read by range, not hashed whole.
    in_range = " AND {}.{} BETWEEN %(lo)s AND %(hi)s" if id_range is not None else ""
    sql = _CLASSIFIED.format(
        exposed=exposed,
        levels=levels,
        account_range=in_range.format("a", "id"),
        risk_range=in_range.format("r", "account_id"),
        tail=tail,
    )
    params = _params(id_range, prices) | {"profile": profile_id, "slack": FILTER_SLACK} | params
    rows = _fetch(sql, params, exposed=assets is not None)
    exact = _exact_values([row[0] for row in rows]) if connection.vendor != "postgresql" else {}
    return [
        AccountLevel(
            account_id=row[0],
            assets=exact[row[0]].assets if exact else row[1],
            debt=exact[row[0]].debt if exact else row[2],
            ratios=Ratios(
                initial=_dec(row[3]), margin_call=_dec(row[4]), liquidation=_dec(row[5]), transfer_out=_dec(row[6])
            ),
            previous=row[7],
            margin_call_at=_aware(row[8]),
            snapshot_at=_aware(row[9]),
        )
        for row in rows
    ]


def accounts_needing_attention(
    *,
    profile_id: int,
    now: datetime,
    snapshot_before: datetime,
    id_range: tuple[int, int] | None = None,
    assets: list[int] | None = None,
) -> list[AccountLevel]:
    """One query over every (or a chunk's) margin account; only those needing action.

    With ``assets`` (a tick), only the accounts exposed to them whose status may have changed: the
    periodic work on the others (interval snapshots, the 24-hour repeat of a margin call) is the
    full sweep's, which beat runs every minute.
    """
    if assets is not None:
        return _classified(_MAY_HAVE_CHANGED, {}, profile_id=profile_id, id_range=id_range, assets=assets)
    tail = """
        WHERE (lv.debt > 0 AND lv.assets <= lv.debt * t.margin_call * %(slack)s)
           OR (r.status IS NOT NULL AND r.status <> 'NORMAL')
           OR (lv.debt > 0 AND (r.snapshot_at IS NULL OR r.snapshot_at < %(snapshot_before)s))"""
    params = {"snapshot_before": connection.ops.adapt_datetimefield_value(snapshot_before)}
    return _classified(tail, params, profile_id=profile_id, id_range=id_range, assets=None)


# Every account whose status may differ from the one last recorded; one still certainly in margin call
# (between its liquidation and margin-call lines, by more than the slack) is left out.
_MAY_HAVE_CHANGED = """
    WHERE CASE COALESCE(r.status, 'NORMAL')
        WHEN 'NORMAL' THEN lv.debt > 0 AND lv.assets <= lv.debt * t.margin_call * %(slack)s
        WHEN 'MARGIN_CALL' THEN NOT (
            lv.debt > 0
            AND lv.assets > lv.debt * t.liquidation * %(slack)s
            AND lv.assets * %(slack)s <= lv.debt * t.margin_call
        )
        ELSE TRUE
    END"""


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _exact_values(account_ids: list[int]) -> dict[int, margin.Valuation]:
    """Exact Decimal values of the given accounts, where the database summed in floating point."""
    from collections import defaultdict

    from trading.selectors import holdings_of, mark_prices

    prices = mark_prices()
    balances = defaultdict(list)
    for balance in Balance.objects.filter(account_id__in=account_ids).select_related("asset"):
        balances[balance.account_id].append(balance)
    return {
        account_id: margin.value([h for h in holdings_of(balances[account_id]) if h.asset in prices], prices)
        for account_id in account_ids
    }


def _aware(value):
    """Raw SQL on SQLite returns timestamps as naive UTC text."""
    if value is None or (isinstance(value, datetime) and value.tzinfo):
        return value
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC)


def margin_account_id_bounds() -> tuple[int, int] | None:
    ids = Account.objects.filter(kind__in=[AccountKind.CROSS, AccountKind.ISOLATED]).order_by("id")
    first, last = ids.values_list("id", flat=True).first(), ids.values_list("id", flat=True).last()
    return None if first is None else (first, last)


def balances_of(account_id: int) -> list[Balance]:
    return list(Balance.objects.filter(account_id=account_id).select_related("asset").order_by("asset__code"))


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
    levels = _classified(tail, {"limit": int(limit)}, profile_id=profile_id, id_range=None, assets=None)
    accounts = Account.objects.select_related("user", "pair").in_bulk([level.account_id for level in levels])
    found = [AccountNearLiquidation(account=accounts[level.account_id], level=level) for level in levels]
    # SQLite ordered by floating point: the exact levels decide.
    return sorted(found, key=lambda a: (a.level.level, a.account.pk))
