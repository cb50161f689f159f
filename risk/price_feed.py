"""The price tick: ask the configured price source for the next prices and write them as mark prices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from risk.models import PriceFeed, PriceSourceState
from risk.price_sources import Feed, price_source_get
from trading.models import Pair
from trading.services.markets import mark_price_set

_FEED_DEFAULTS = PriceFeed()  # the model's defaults, for a pair listed after the data migration


def price_step_claim(*, name: str, step: int, now: datetime | None = None) -> bool:
    """Move source ``name`` from ``step`` to ``step + 1``; False if another tick moved it first.

    One conditional UPDATE whose row count says who won (healthchecks' sendalerts): two ticks that
    read the same step cannot both play it. On PostgreSQL the loser's UPDATE waits for the winner's
    transaction and then matches no row; SQLite serialises the writers.
    """
    claimed = PriceSourceState.objects.filter(name=name, step=step).update(
        step=step + 1, updated_at=now or timezone.now()
    )
    return claimed == 1


def prices_advance(*, now: datetime | None = None) -> list[tuple[Pair, Decimal]]:
    """Play one step of the price source on every enabled pair.

    Returns the pairs whose mark price changed, with their new price (what the risk sweep re-checks).
    A pair without a PriceFeed row gets one with the defaults, so that staff can tune it in the admin.
    A tick that loses the race for its step does nothing and returns [].
    """
    now = now or timezone.now()
    source = price_source_get()
    with transaction.atomic():
        state, _ = PriceSourceState.objects.get_or_create(name=source.name)
        step = state.step
        if not price_step_claim(name=source.name, step=step, now=now):
            return []
        pairs = list(Pair.objects.select_related("base", "quote", "feed", "mark").order_by("symbol"))
        missing = [pair for pair in pairs if not hasattr(pair, "feed")]
        if missing:
            PriceFeed.objects.bulk_create([PriceFeed(pair=pair) for pair in missing], ignore_conflicts=True)
        feeds = []
        for pair in pairs:
            feed = getattr(pair, "feed", _FEED_DEFAULTS)
            if not feed.enabled:
                continue
            mark = getattr(pair, "mark", None)
            feeds.append(
                Feed(
                    symbol=pair.symbol,
                    tick_size=pair.tick_size,
                    price=mark.price if mark else None,
                    volatility=feed.volatility,
                    drift=feed.drift,
                )
            )
        prices = source.next_prices(step=step, feeds=feeds)
        moved = []
        for pair in pairs:
            price = prices.get(pair.symbol)
            if price is None:
                continue
            old = getattr(getattr(pair, "mark", None), "price", None)
            pair.mark = mark_price_set(symbol=pair.symbol, price=price, now=now)
            if price != old:
                moved.append((pair, price))
    return moved
