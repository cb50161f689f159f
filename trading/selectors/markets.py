"""The markets page's tickers: mark price and 24-hour change of every active pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from trading.models import (
    MarkPrice,
    PriceCandle,
)


@dataclass(frozen=True)
class Ticker:
    symbol: str
    price: Decimal
    open_24h: Decimal | None

    @property
    def change(self) -> Decimal | None:
        """The change since 24 hours ago (the first hourly candle within them), as a fraction."""
        if not self.open_24h:
            return None
        return (self.price - self.open_24h) / self.open_24h


def ticker_list(*, now=None) -> list[Ticker]:
    """Every pair's mark price with its 24-hour change, in two queries (the main market's pairs: a
    classroom's are on its own page)."""

    since = (now or timezone.now()) - timedelta(hours=24)
    opens: dict[int, Decimal] = {}
    candles = PriceCandle.objects.filter(
        interval=PriceCandle.Interval.HOUR, open_time__gte=since, pair__market__isnull=True
    ).order_by("pair_id", "open_time")
    for pair_id, price in candles.values_list("pair_id", "open"):
        opens.setdefault(pair_id, price)
    marks = (
        MarkPrice.objects.select_related("pair")
        .filter(pair__is_active=True, pair__market__isnull=True)
        .order_by("pair__symbol")
    )
    return [Ticker(symbol=m.pair.symbol, price=m.price, open_24h=opens.get(m.pair_id)) for m in marks]
