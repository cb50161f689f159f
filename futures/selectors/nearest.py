"""What the admin's "nearest to liquidation" orders by: every open position valued in SQL."""

from __future__ import annotations

from decimal import Decimal

from futures.models import (
    FuturesPosition,
)

from .market import (
    QUOTE,
    market_get,
)
from .valuation import (
    AccountState,
    PositionRisk,
    account_state,
)

# joined on the notional: what the admin's "nearest to liquidation" orders by.
POSITIONS_SQL = """
SELECT p.id, p.account_id, p.margin_type, p.isolated_margin,
       p.position_amt * (mp.price * (1 + s.basis_rate) - p.entry_price) AS pnl,
       ABS(p.position_amt) * mp.price * (1 + s.basis_rate) * b.maint_margin_ratio - b.cum AS mm
FROM futures_futuresposition p
JOIN futures_futuressymbol s ON s.id = p.symbol_id
JOIN trading_markprice mp ON mp.pair_id = s.pair_id
JOIN futures_leveragebracket b ON b.symbol_id = s.id
     AND b.notional_floor <= ABS(p.position_amt) * mp.price * (1 + s.basis_rate)
     AND ABS(p.position_amt) * mp.price * (1 + s.basis_rate) < b.notional_cap
WHERE p.position_amt <> 0
"""

NEAREST_SQL = """
WITH v AS ({positions}),
cross_total AS (
    SELECT v.account_id, SUM(v.pnl) AS pnl, SUM(v.mm) AS mm FROM v WHERE v.margin_type = 'CROSSED' GROUP BY v.account_id
)
SELECT v.id,
       CASE WHEN v.margin_type = 'ISOLATED'
            THEN CASE WHEN v.isolated_margin + v.pnl > 0 THEN v.mm / (v.isolated_margin + v.pnl) ELSE 1000000 END
            ELSE CASE WHEN bal.free + c.pnl > 0 THEN c.mm / (bal.free + c.pnl) ELSE 1000000 END
       END AS ratio
FROM v
LEFT JOIN cross_total c ON c.account_id = v.account_id AND v.margin_type = 'CROSSED'
LEFT JOIN trading_balance bal ON bal.account_id = v.account_id AND bal.asset_id = %(usdt)s
ORDER BY ratio DESC, v.id
LIMIT %(limit)s
"""


def positions_nearest_liquidation(*, limit: int = 50) -> list[tuple[PositionRisk, Decimal | None]]:
    """The open positions whose margin ratio (the isolated position's, or its cross wallet's) is highest,
    ordered in one SQL query; each then valued exactly in Python (ratio None: past 100 %)."""
    from django.db import connection

    from trading.models import Asset

    params = {"usdt": Asset.objects.get(code=QUOTE).pk, "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_SQL.format(positions=POSITIONS_SQL), params)
        ids = [row[0] for row in cursor.fetchall()]
    market = market_get(every=True)
    by_id = {info.symbol.pk: info for info in market.values()}
    positions = FuturesPosition.objects.in_bulk(ids)
    wallets: dict[int, AccountState] = {}
    rows = []
    for pk in ids:
        position = positions[pk]
        if position.account_id not in wallets:
            wallets[position.account_id] = account_state(wallet=position.account, market=market)
        state = wallets[position.account_id]
        risk = state.position(by_id[position.symbol_id].code)
        if risk is not None:
            rows.append((risk, risk.margin_ratio if risk.is_isolated else state.cross_margin_ratio))
    return rows
