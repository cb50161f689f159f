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
from trading.models import Account, AccountKind, Asset, Balance
from trading.selectors import QUOTE_ASSET

# The filter lets through accounts up to this factor above the margin-call line, so that a floating
# point SQL (SQLite) can never hide an account whose exact level is on the line.
FILTER_SLACK = Decimal("1.000001")

_PRICES_CTE = """
    px AS (
        SELECT p.base_id AS asset_id, m.price AS price
        FROM trading_markprice m JOIN trading_pair p ON p.id = m.pair_id
        WHERE p.quote_id = %(quote)s
        UNION ALL
        SELECT %(quote)s, 1
    )"""

_LEVELS = """
    SELECT b.account_id AS account_id,
           SUM((b.free + b.locked) * px.price) AS assets,
           SUM((b.borrowed + b.interest) * px.price) AS debt
    FROM {source} JOIN px ON px.asset_id = b.asset_id
    WHERE NOT b.is_system {where}
    GROUP BY b.account_id"""

# The accounts with a balance row in one of the moved assets (a row left at zero only costs a look), read
# from the balance_exposure index alone. The levels are then summed from their balances only: a join,
# so PostgreSQL walks the balance_valuation index per account instead of scanning the table.
_EXPOSED = """
    exposed AS (
        SELECT DISTINCT account_id FROM trading_balance
        WHERE asset_id IN ({assets}) AND NOT is_system{range}
    )"""


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


def _levels(*, id_range: tuple[int, int] | None, assets: list[int] | None) -> tuple[str, str]:
    """The extra CTE and the levels query of a scope: all accounts, a chunk (an account id range),
    and/or only the accounts exposed to the assets that moved."""
    in_range = " AND {col} BETWEEN %(lo)s AND %(hi)s" if id_range is not None else ""
    if assets is None:
        return "", _LEVELS.format(source="trading_balance b", where=in_range.format(col="b.account_id"))
    exposed = "," + _EXPOSED.format(
        assets=",".join(str(int(a)) for a in assets) or "NULL", range=in_range.format(col="account_id")
    )
    source = "exposed e JOIN trading_balance b ON b.account_id = e.account_id"
    return exposed, _LEVELS.format(source=source, where="")


def _params(id_range) -> dict:
    quote = Asset.objects.only("id").get(code=QUOTE_ASSET).pk
    params = {"quote": quote}
    if id_range is not None:
        params["lo"], params["hi"] = id_range
    return params


def margin_levels_floor(*, id_range: tuple[int, int] | None = None) -> list[tuple[int, Decimal, Decimal]]:
    """The bare query: every account's asset and debt value. The benchmark's floor."""
    exposed, levels = _levels(id_range=id_range, assets=None)
    return _fetch(f"WITH {_PRICES_CTE}{exposed} {levels}", _params(id_range))


def _fetch(sql: str, params: dict, *, exposed: bool = False) -> list[tuple]:
    """Run a sweep query. On PostgreSQL, with session settings for a big aggregate over warm data:
    enough work_mem for the per-account sums to stay in memory (the default 4 MB spills them to disk),
    and the random_page_cost of data in memory or on SSD (1.1, not the spinning-disk 4). For the
    exposed accounts of a one-pair tick, the planner still prefers hashing every balance to walking
    the valuation index account by account; measured, the walk is the faster, so hash joins are off
    for that query alone."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = %s", [django_settings.MARGINLAB_SWEEP_WORK_MEM])
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            # JIT compiling costs more (tens of ms per chunk) than it saves on these short aggregates.
            cursor.execute("SET LOCAL jit = off")
            if exposed:
                cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


_CLASSIFIED = """
    WITH {prices}{exposed},
    lv AS ({levels})
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
    """Every margin account in scope valued, joined to its risk tier and last state, filtered by ``tail``."""
    exposed, levels = _levels(id_range=id_range, assets=assets)
    # The chunk's id range on the joined tables too, so that they are read by range, not hashed whole.
    in_range = " AND {}.{} BETWEEN %(lo)s AND %(hi)s" if id_range is not None else ""
    sql = _CLASSIFIED.format(
        prices=_PRICES_CTE,
        exposed=exposed,
        levels=levels,
        account_range=in_range.format("a", "id"),
        risk_range=in_range.format("r", "account_id"),
        tail=tail,
    )
    rows = _fetch(sql, _params(id_range) | {"profile": profile_id} | params, exposed=assets is not None)
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
    """One query over every (or a chunk's, or the exposed) margin account; only those needing action."""
    tail = """
        WHERE (lv.debt > 0 AND lv.assets <= lv.debt * t.margin_call * %(slack)s)
           OR (r.status IS NOT NULL AND r.status <> 'NORMAL')
           OR (lv.debt > 0 AND (r.snapshot_at IS NULL OR r.snapshot_at < %(snapshot_before)s))"""
    params = {"slack": FILTER_SLACK, "snapshot_before": connection.ops.adapt_datetimefield_value(snapshot_before)}
    return _classified(tail, params, profile_id=profile_id, id_range=id_range, assets=assets)


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
