"""The set-based futures sweep: bands chosen in SQL, only the wallets near a line valued in Python.

Every open position carries a *band* of marks (``band_low``..``band_high``): as long as the mark of each
of a wallet's positions stays inside its band and the wallet is not written, the wallet stays under the
warning line (and so far from liquidation). The band is ``BAND`` either side of the mark at which the
wallet was last valued when the wallet is safe even at the worst prices in it; otherwise it is the mark
itself (the wallet is *watched*: any move values it again). Every write to a futures wallet clears its
bands (``futures.services.common.wallet_lock``), and a change of brackets or lines clears them all.

So a sweep reads, in one SQL query, only the wallets with a position out of its band or without one,
values those wallets in the same query (floating point, widened by ``SQL_TOLERANCE``), writes their new
bands, and hands the few at or past the warning line to the exact Decimal decision under the wallet's
lock (``futures.services.liquidation``).

- the full sweep compares every open position with its band (one sequential scan: the whole book; it
  is also what catches a band written by one sweep while another moved the marks);
- a tick (``symbols``: the symbols whose mark moved since the last sweep) reads through the band indexes
  only the moved symbols' positions out of their band, and every position without a band.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from django.utils import timezone

from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import FuturesLiquidation, FuturesPosition, FuturesSweepBaseline, FuturesWarning
from futures.services.common import bands_clear, wallet_lock
from futures.services.liquidation import decide, warning_ratio
from trading.models import Asset

# Half the width of a safe wallet's band, as a share of the mark: a wallet is left alone until one of
# its marks moves this far from where it was valued.
BAND = Decimal("0.02")
# The SQL values in floating point: the lines are widened by this much (and by EPSILON of the notional)
# so that the exact check is never skipped for a wallet that is due, nor a band given to one that is not.
SQL_TOLERANCE = Decimal("1.001")
EPSILON = Decimal("1e-9")
CHUNK = 20000  # wallets valued, or positions banded, per statement

Market = dict[str, selectors.SymbolInfo]


def lit(value: Decimal | int) -> str:
    """A number as an SQL literal (it comes from the database or this module, never from a request)."""
    return format(Decimal(value), "f")


def _tiered(brackets: Iterable[f.Bracket], n: str, value) -> str:
    """An SQL CASE choosing the tier of notional ``n`` as ``formulas.bracket_for`` does."""
    ordered = sorted(brackets, key=lambda b: b.floor)
    whens = " ".join(f"WHEN {n} < {lit(b.cap)} THEN {value(b)}" for b in ordered[:-1])
    last = value(ordered[-1])
    return f"CASE {whens} ELSE {last} END" if whens else last


def _by_symbol(market: Market, expr) -> str:
    whens = " ".join(f"WHEN {info.symbol.pk} THEN {expr(info)}" for info in market.values())
    return f"CASE p.symbol_id {whens} END"


def _mark(info: selectors.SymbolInfo) -> Decimal:
    assert info.mark_price is not None  # priced() keeps only the symbols with a mark
    return info.mark_price


def _scope(market: Market, symbols: list[str] | None) -> str:
    """Which positions need their wallet valued: out of their band, or without one."""
    if symbols is None:
        out = _by_symbol(market, lambda i: f"(p.band_low > {lit(_mark(i))} OR p.band_high < {lit(_mark(i))})")
        return f"p.band_low IS NULL OR {out}"
    # One term per index range, so that the planner reads the band indexes, not the table.
    terms = [f"(p.symbol_id = {info.symbol.pk} AND p.band_low IS NULL)" for info in market.values()]
    for code in symbols:
        if code in market:
            pk, mark = market[code].symbol.pk, lit(_mark(market[code]))
            terms += [f"(p.symbol_id = {pk} AND p.band_low > {mark})", f"(p.symbol_id = {pk} AND p.band_high < {mark})"]
    return " OR ".join(terms)


CANDIDATES_SQL = """
SELECT DISTINCT p.account_id FROM futures_futuresposition p
WHERE p.position_amt <> 0 AND p.symbol_id IN ({ids}) AND ({scope})
"""

VALUATION_CTES = """
pos AS (
    SELECT p.id, p.account_id, p.symbol_id, p.margin_type,
           CAST(p.isolated_margin AS DOUBLE PRECISION) AS iso,
           CAST(p.position_amt AS DOUBLE PRECISION) AS q,
           CAST(p.entry_price AS DOUBLE PRECISION) AS ep
    FROM futures_futuresposition p
    WHERE p.account_id {accounts} AND p.position_amt <> 0 AND p.symbol_id IN ({ids})
),
val AS (
    SELECT p.id, p.account_id, p.symbol_id, p.margin_type, p.iso,
           p.q * ({mark} - p.ep) AS pnl, ABS(p.q) * {mark} AS n
    FROM pos p
),
w AS (
    SELECT p.id, p.account_id, p.symbol_id, p.margin_type, p.iso, p.pnl, p.n, {mm} AS mm, p.n * {mmr_up} AS s
    FROM val p
),
c AS (
    SELECT w.account_id, SUM(w.pnl) AS pnl, SUM(w.n) AS n, SUM(w.mm) AS mm, SUM(w.s) AS s
    FROM w WHERE w.margin_type = 'CROSSED' GROUP BY w.account_id
),
v AS (
    SELECT w.id, w.account_id, w.symbol_id, w.margin_type,
           CASE WHEN w.margin_type = 'ISOLATED'
                THEN (w.iso + w.pnl - %(d)s * w.n) * %(line)s > (w.mm + %(d)s * w.s) * %(tol)s + %(eps)s * w.n
                ELSE (b.free + c.pnl - %(d)s * c.n) * %(line)s > (c.mm + %(d)s * c.s) * %(tol)s + %(eps)s * c.n
           END AS safe,
           CASE WHEN w.margin_type = 'ISOLATED'
                THEN (w.iso + w.pnl) * %(line)s <= w.mm * %(tol)s + %(eps)s * w.n
                ELSE c.mm > 0 AND (b.free + c.pnl) * %(line)s <= c.mm * %(tol)s + %(eps)s * c.n
           END AS near
    FROM w
    LEFT JOIN c ON c.account_id = w.account_id
    LEFT JOIN (SELECT bal.account_id, CAST(bal.free AS DOUBLE PRECISION) AS free
               FROM trading_balance bal WHERE bal.asset_id = %(usdt)s) b ON b.account_id = w.account_id
)"""

VALUATION_SQL = "WITH" + VALUATION_CTES + "\nSELECT v.id, v.account_id, v.margin_type, v.safe, v.near FROM v"

# The valuation and the new bands in one statement: a safe position gets BAND either side of its mark
# (the literals are the Decimal bands, rounded inwards), any other its mark. Rows whose band would not
# change are not written (no dead tuple, no index entry), nor those of a wallet written since the cutoff
# (a write in flight clears the band after us, or we must not set it).
BANDING_SQL = (
    "WITH"
    + VALUATION_CTES
    + """,
nb AS (
    SELECT p.id, CASE WHEN p.safe THEN {low} ELSE {at} END AS lo, CASE WHEN p.safe THEN {high} ELSE {at} END AS hi
    FROM v p
),
banded AS (
    UPDATE futures_futuresposition p SET band_low = nb.lo, band_high = nb.hi
    FROM nb
    WHERE p.id = nb.id AND (p.band_touched_at IS NULL OR p.band_touched_at < %(cutoff)s)
      AND (p.band_low IS DISTINCT FROM nb.lo OR p.band_high IS DISTINCT FROM nb.hi)
    RETURNING p.id
)
SELECT v.id, v.account_id, v.margin_type, v.safe, v.near, (SELECT count(*) FROM banded) FROM v
"""
)


@dataclass(frozen=True)
class Valued:
    """One open position of a valued wallet: is its wallet (cross) or itself (isolated) safe over the
    whole band, and at or past the warning line now?"""

    position_id: int
    account_id: int
    margin_type: str
    safe: bool
    near: bool


def priced(market: Market) -> Market:
    return {code: info for code, info in market.items() if info.mark_price is not None}


@contextmanager
def _sweep_cursor() -> Iterator[CursorWrapper]:
    """A transaction for the sweep's queries. On PostgreSQL without JIT: compiling the per-symbol CASEs
    costs seconds, far more than it saves (as for the margin sweep, ``risk.selectors``), and with memory
    enough for the per-wallet sums."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
                [settings.MARGINLAB_SWEEP_WORK_MEM],
            )
        yield cursor


def _symbol_ids(market: Market) -> str:
    return ", ".join(str(info.symbol.pk) for info in market.values())


def wallets_out_of_band(*, market: Market, symbols: list[str] | None = None) -> list[int]:
    """The wallets with a position out of its band or without one, in one query (see the module
    docstring): a sequential scan of every open position, or (``symbols``) index ranges."""
    if not market:
        return []
    with _sweep_cursor() as cursor:
        cursor.execute(CANDIDATES_SQL.format(ids=_symbol_ids(market), scope=_scope(market, symbols)))
        return sorted(account for (account,) in cursor.fetchall())


def _valuation(sql: str, market: Market, account_ids: list[int], **formats: str) -> tuple[str, dict]:
    """The valuation's SQL and parameters (see ``wallets_valued``)."""
    up = 1 + BAND
    postgres = connection.vendor == "postgresql"
    sql = sql.format(
        ids=_symbol_ids(market),
        accounts="= ANY(%(accounts)s)" if postgres else f"IN ({', '.join(str(int(pk)) for pk in account_ids)})",
        mark=_by_symbol(market, lambda i: lit(_mark(i))),
        mm=_by_symbol(market, lambda i: _tiered(i.brackets, "p.n", lambda b: f"p.n * {lit(b.mmr)} - {lit(b.cum)}")),
        mmr_up=_by_symbol(market, lambda i: _tiered(i.brackets, f"p.n * {lit(up)}", lambda b: lit(b.mmr))),
        **formats,
    )
    params: dict = {
        "d": float(BAND),
        "line": float(min(warning_ratio(), Decimal(1))),
        "tol": float(SQL_TOLERANCE),
        "eps": float(EPSILON),
        "usdt": Asset.objects.only("id").get(code=selectors.QUOTE).pk,
    }
    if postgres:  # one array parameter; SQLite (which binds no lists) has the ids written into the SQL
        params["accounts"] = [int(pk) for pk in account_ids]
    return sql, params


def wallets_valued(*, market: Market, account_ids: list[int]) -> list[Valued]:
    """The open positions of these wallets, valued in one query; writes nothing.

    The maintenance margin is a convex function of the notional (Binance's maintenance amounts make it
    continuous), so over a band of +-BAND it grows at most by BAND x notional x the MMR of the tier at
    the top of the band; the PnL moves at most by BAND x notional.
    """
    if not market or not account_ids:
        return []
    sql, params = _valuation(VALUATION_SQL, market, account_ids)
    with _sweep_cursor() as cursor:
        cursor.execute(sql, params)
        return [
            Valued(pk, account, kind, bool(safe), bool(near)) for pk, account, kind, safe, near in cursor.fetchall()
        ]


def band_of(mark: Decimal, *, safe: bool) -> tuple[Decimal, Decimal]:
    """The band a position gets when valued at ``mark``: BAND either side (rounded inwards) when safe."""
    if not safe:
        return mark, mark
    return f.round_to(mark * (1 - BAND), Q8, up=True), f.round_to(mark * (1 + BAND), Q8)


def wallets_banded(*, market: Market, account_ids: list[int], read_at) -> tuple[list[Valued], int]:
    """Value these wallets and write their positions' new bands, in one statement (``BANDING_SQL``):
    the valued positions, and how many bands were written."""
    if not market or not account_ids:
        return [], 0
    if connection.vendor != "postgresql":  # no UPDATE in a WITH: value, then write by (symbol, safety)
        rows = wallets_valued(market=market, account_ids=account_ids)
        return rows, _bands_write(rows, market=market, read_at=read_at)
    sql, params = _valuation(
        BANDING_SQL,
        market,
        account_ids,
        low=_by_symbol(market, lambda i: lit(band_of(_mark(i), safe=True)[0])),
        high=_by_symbol(market, lambda i: lit(band_of(_mark(i), safe=True)[1])),
        at=_by_symbol(market, lambda i: lit(_mark(i))),
    )
    params["cutoff"] = read_at - timedelta(seconds=settings.MARGINLAB_LEDGER_GRACE_SECONDS)
    with _sweep_cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = [Valued(pk, account, kind, bool(safe), bool(near)) for pk, account, kind, safe, near, _ in fetched]
    return rows, (fetched[0][5] if fetched else 0)


def _bands_write(rows: list[Valued], *, market: Market, read_at) -> int:
    cutoff = read_at - timedelta(seconds=settings.MARGINLAB_LEDGER_GRACE_SECONDS)
    untouched = FuturesPosition.objects.filter(Q(band_touched_at__isnull=True) | Q(band_touched_at__lt=cutoff))
    symbols = dict(FuturesPosition.objects.filter(id__in=[r.position_id for r in rows]).values_list("id", "symbol_id"))
    written = 0
    for info in market.values():
        for safe in (True, False):
            ids = [r.position_id for r in rows if r.safe == safe and symbols.get(r.position_id) == info.symbol.pk]
            low, high = band_of(_mark(info), safe=safe)
            for chunk in chunks(ids):
                unchanged = Q(band_low=low, band_high=high)  # as BANDING_SQL: no write where nothing changes
                written += untouched.filter(id__in=chunk).exclude(unchanged).update(band_low=low, band_high=high)
    return written


def chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def sweep_candidates(*, symbols: list[str] | None = None) -> list[tuple[str, int, int | None]]:
    """(margin type, wallet id, isolated position id) of what is at or past the warning line now, among
    the wallets in scope; writes nothing (bands included)."""
    market = priced(selectors.market_get(every=True))
    accounts = wallets_out_of_band(market=market, symbols=symbols)
    rows = [row for chunk in chunks(accounts) for row in wallets_valued(market=market, account_ids=chunk)]
    cross = sorted({r.account_id for r in rows if r.near and r.margin_type != "ISOLATED"})
    isolated = [("ISOLATED", r.account_id, r.position_id) for r in rows if r.near and r.margin_type == "ISOLATED"]
    return isolated + [("CROSSED", account, None) for account in cross]


# --- bands -------------------------------------------------------------------------------------------


def _fingerprint(market: Market) -> str:
    parts = [str(warning_ratio()), str(BAND), str(SQL_TOLERANCE)]
    parts += [f"{info.symbol.pk}:{info.brackets}" for info in market.values()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def baseline_get(market: Market) -> FuturesSweepBaseline:
    """The sweep's baseline; when the brackets or lines changed since it, every band goes."""
    baseline, _ = FuturesSweepBaseline.objects.get_or_create(pk=1)
    fingerprint = _fingerprint(market)
    if baseline.fingerprint != fingerprint:
        bands_clear()
        baseline.fingerprint = fingerprint
        baseline.marks = {}
        baseline.save(update_fields=["fingerprint", "marks"])
    return baseline


def moved_symbols(market: Market, baseline: FuturesSweepBaseline) -> list[str] | None:
    """The symbols whose mark differs from the last sweep's; None (sweep them all) with no last sweep."""
    if not baseline.marks:
        return None
    return [code for code, info in market.items() if baseline.marks.get(code) != str(info.mark_price)]


# --- the sweep ---------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    valued: int = 0  # wallets valued in SQL (out of band or without one)
    candidates: int = 0  # wallets at or past the warning line, decided in Python
    liquidations: list[FuturesLiquidation] = field(default_factory=list)
    warnings: int = 0


def futures_sweep(*, symbols: list[str] | None = None) -> SweepResult:
    """Liquidate what is due and warn at the margin-ratio line; one transaction per wallet decided.

    ``symbols``: the symbols that moved (a tick); None: the whole book.
    """
    market = priced(selectors.market_get(every=True))
    return _sweep(market, baseline_get(market), symbols)


def futures_tick_sweep() -> SweepResult:
    """A tick's sweep: only the symbols whose mark moved since the last sweep (and unbanded positions)."""
    market = priced(selectors.market_get(every=True))
    baseline = baseline_get(market)
    return _sweep(market, baseline, moved_symbols(market, baseline))


def _sweep(market: Market, baseline: FuturesSweepBaseline, symbols: list[str] | None) -> SweepResult:
    read_at = timezone.now()
    result = SweepResult()
    near: set[int] = set()
    for chunk in chunks(wallets_out_of_band(market=market, symbols=symbols)):
        rows, _ = wallets_banded(market=market, account_ids=chunk, read_at=read_at)
        valued = {r.account_id for r in rows}
        near_here = {r.account_id for r in rows if r.near}
        _warnings_clear(valued - near_here)
        result.valued += len(valued)
        near |= near_here
    result.candidates = len(near)
    for account_id in sorted(near):
        with transaction.atomic():
            locked = wallet_lock(account_id, clear_bands=False)
            liquidations, warned = decide(locked, market)
            if liquidations:
                bands_clear(account_id=account_id)
            result.liquidations.extend(liquidations)
            result.warnings += warned
    baseline.marks = {code: str(info.mark_price) for code, info in market.items()}
    baseline.swept_at = read_at
    baseline.save(update_fields=["marks", "swept_at"])
    return result


def _warnings_clear(account_ids: set[int]) -> int:
    """End the warning episode of the valued wallets that are back under the line."""
    pending = set(FuturesWarning.objects.filter(cleared=False).values_list("account_id", flat=True))
    return FuturesWarning.objects.filter(account_id__in=pending & account_ids).update(cleared=True)
