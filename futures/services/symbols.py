"""Perpetuals of another market: a class trading futures gets copies of the main perpetuals on its own
pairs (their index is the class pair's mark), with the same filters and brackets."""

from __future__ import annotations

from futures.models import FuturesSymbol, LeverageBracket
from trading.models import Pair


def futures_symbols_copy(*, pairs: dict[int, Pair]) -> list[FuturesSymbol]:
    """For each main pair id with a perpetual, the same perpetual on the given pair (its copy in the other
    market), named as that pair. Call inside the transaction that made the pairs."""
    copies = []
    for source in FuturesSymbol.objects.filter(pair_id__in=list(pairs)).prefetch_related("brackets"):
        pair = pairs[source.pair_id]
        copy = FuturesSymbol.objects.create(
            symbol=pair.symbol,
            pair=pair,
            tick_size=source.tick_size,
            step_size=source.step_size,
            min_qty=source.min_qty,
            min_notional=source.min_notional,
            basis_rate=source.basis_rate,
            liquidation_fee_rate=source.liquidation_fee_rate,
            is_active=source.is_active,
        )
        LeverageBracket.objects.bulk_create(
            LeverageBracket(
                symbol=copy,
                bracket=b.bracket,
                notional_floor=b.notional_floor,
                notional_cap=b.notional_cap,
                max_leverage=b.max_leverage,
                maint_margin_ratio=b.maint_margin_ratio,
                cum=b.cum,
            )
            for b in source.brackets.all()
        )
        copies.append(copy)
    return copies
