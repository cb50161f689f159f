"""Mark prices and the platform's system accounts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from core.errors import ApplicationError
from trading import selectors
from trading.models import Account, AccountKind, Asset, JournalEntry, Market, MarkPrice, PriceCandle, SystemAccount
from trading.services.common import clean_amount
from trading.services.ledger import Posting, ledger_post, system_balance

# Paper money the insurance fund starts with (per asset, in USDT only), so that early shortfalls are
# covered without the fund going negative in a demo.
INSURANCE_FUND_SEED = Decimal("100000")


def mark_price_set(*, symbol: str, price, now: datetime | None = None, market: Market | None = None) -> MarkPrice:
    """Set a pair's mark price (``market``: a pair of that market; default the main market's)."""
    pair = selectors.pair_get(symbol=symbol, market=market)
    price = clean_amount(price, field="price")
    if price % pair.tick_size:
        raise ApplicationError(
            f"Price {price} is not a multiple of the tick size {pair.tick_size.normalize()}.",
            code="filter_failure",
            fields={"price": ["Filter failure: PRICE_FILTER"]},
        )
    now = now or timezone.now()
    with transaction.atomic():
        mark, _ = MarkPrice.objects.update_or_create(pair=pair, defaults={"price": price, "updated_at": now})
        price_history_record(pair=pair, price=price, now=now)
    return mark


CANDLE_SPANS = {PriceCandle.Interval.MINUTE: timedelta(minutes=1), PriceCandle.Interval.HOUR: timedelta(hours=1)}
# How long each interval is kept: price history must not grow without bound.
CANDLE_RETENTION = {PriceCandle.Interval.MINUTE: timedelta(days=7), PriceCandle.Interval.HOUR: timedelta(days=366)}


def candle_open_time(now: datetime, interval: str) -> datetime:
    if interval == PriceCandle.Interval.MINUTE:
        return now.replace(second=0, microsecond=0)
    return now.replace(minute=0, second=0, microsecond=0)


def price_history_record(*, pair, price: Decimal, now: datetime) -> None:
    """Fold one mark price into the pair's current 1-minute and 1-hour candles."""
    for interval in CANDLE_SPANS:
        open_time = candle_open_time(now, interval)
        updated = PriceCandle.objects.filter(pair=pair, interval=interval, open_time=open_time).update(
            high=Greatest("high", Value(price)),
            low=Least("low", Value(price)),
            close=Value(price),
            ticks=F("ticks") + 1,
        )
        if not updated:
            PriceCandle.objects.get_or_create(
                pair=pair,
                interval=interval,
                open_time=open_time,
                defaults={"open": price, "high": price, "low": price, "close": price},
            )


def price_history_prune(*, now: datetime | None = None) -> int:
    """Delete candles older than their interval's retention; returns how many went."""
    now = now or timezone.now()
    deleted = 0
    for interval, keep in CANDLE_RETENTION.items():
        deleted += PriceCandle.objects.filter(interval=interval, open_time__lt=now - keep).delete()[0]
    return deleted


def platform_bootstrap() -> list[str]:
    """Make every system account and fill each lending pool up to its asset's pool size. Idempotent."""
    done = []
    with transaction.atomic():
        for code in SystemAccount:
            _, created = Account.objects.get_or_create(kind=AccountKind.SYSTEM, system_code=code, market=None)
            if created:
                done.append(f"system account {code.value}")
        for asset in Asset.objects.order_by("id"):
            posting = Posting()
            funding = system_balance(SystemAccount.PAPER_FUNDING, asset)
            for code in SystemAccount:
                system_balance(code, asset)
            pool = system_balance(SystemAccount.LENDING_POOL, asset)
            lent = -pool.borrowed
            top_up = asset.lending_pool_size - (pool.free + lent)
            if top_up > 0:
                posting.move(funding, pool, top_up)
                done.append(f"lending pool {asset.code} +{top_up}")
            if asset.code == selectors.QUOTE_ASSET:
                fund = system_balance(SystemAccount.INSURANCE_FUND, asset)
                if not fund.ledger_lines.exists():
                    posting.move(funding, fund, INSURANCE_FUND_SEED)
                    done.append(f"insurance fund {asset.code} +{INSURANCE_FUND_SEED}")
            if posting.lines:
                ledger_post(kind=JournalEntry.Kind.BOOTSTRAP, posting=posting, memo=f"bootstrap {asset.code}")
    return done
