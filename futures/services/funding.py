"""Funding every 8 hours (00:00, 08:00, 16:00 UTC): longs pay shorts when the rate is positive.

The paper market stands between them (``SystemAccount.MARKET``): each position pays to or receives from
it, so the books balance whatever the users' positions net to. One ``FundingRate`` row per symbol and
funding time, made in the same transaction as the payments: applying an interval twice finds the row
and pays nothing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import FundingRate, FuturesPosition, Income, MarginType
from futures.services.common import system, usdt, wallet_lock
from trading.models import Bucket, JournalEntry, SystemAccount
from trading.services.ledger import Posting, ledger_post


def funding_rate_estimate(info: selectors.SymbolInfo) -> Decimal:
    """The next interval's rate from the current premium (the simulated basis) and the interest rate."""
    premium = f.premium_index(mark_price=info.mark, index_price=info.index)
    return f.funding_rate(premium=premium)


def futures_funding_apply(*, now: datetime | None = None) -> list[FundingRate]:
    """Settle the funding interval that started last (idempotent per symbol and funding time)."""
    funding_time = f.funding_time_before(now or timezone.now())
    market = selectors.market_get(every=True)
    applied = []
    for info in market.values():
        if (
            info.mark_price is None
            or FundingRate.objects.filter(symbol=info.symbol, funding_time=funding_time).exists()
        ):
            continue
        try:
            with transaction.atomic():
                applied.append(_apply(info, funding_time))
        except IntegrityError:  # another worker settled it at the same moment
            continue
    return applied


def futures_funding_settle(*, symbol: str, rate: Decimal, now: datetime | None = None) -> FundingRate:
    """One funding payment of ``symbol`` now, at the given rate instead of the premium's: a scenario's
    funding spike (a class's perpetual; its positions only, so no other market is touched). Settled once
    per moment: the FundingRate row's uniqueness refuses the same time twice."""
    info = selectors.symbol_get(market=selectors.market_get(every=True), symbol=symbol)
    with transaction.atomic():
        return _apply(info, now or timezone.now(), rate=Decimal(rate).quantize(Q8))


def _apply(info: selectors.SymbolInfo, funding_time: datetime, *, rate: Decimal | None = None) -> FundingRate:
    rate = funding_rate_estimate(info).quantize(Q8) if rate is None else rate
    mark = info.mark
    record = FundingRate.objects.create(
        symbol=info.symbol, funding_time=funding_time, funding_rate=rate, mark_price=mark
    )
    asset = usdt()
    market_balance = system(SystemAccount.MARKET, asset)
    account_ids = (
        FuturesPosition.objects.filter(symbol=info.symbol).exclude(position_amt=0).order_by("account_id")
    ).values_list("account_id", flat=True)
    for account_id in account_ids:
        locked = wallet_lock(account_id, asset=asset)
        position = locked.positions[info.symbol.pk]
        payment = f.funding_payment(quantity=position.position_amt, mark_price=mark, rate=rate).quantize(Q8)
        if payment == 0:
            continue
        posting = Posting()
        balance = locked.balance
        if payment < 0:
            bucket = Bucket.LOCKED if position.margin_type == MarginType.ISOLATED else Bucket.FREE
            posting.move(market_balance, balance, -payment, dst_bucket=bucket)
            paid = -payment  # the income: what the position received
            if bucket == Bucket.LOCKED:
                position.isolated_margin += -payment
        else:
            # Paid from the position's own margin first (isolated), then the cross wallet; never below zero:
            # a wallet that cannot pay is one the sweep liquidates.
            paid = Decimal(0)
            if position.margin_type == MarginType.ISOLATED:
                part = min(payment, position.isolated_margin)
                posting.move(balance, market_balance, part, src_bucket=Bucket.LOCKED)
                position.isolated_margin -= part
                paid += part
            part = min(payment - paid, balance.free)
            posting.move(balance, market_balance, part)
            paid = -(paid + part)
        if paid == 0:
            continue
        position.save(update_fields=["isolated_margin", "updated_at"])
        entry = ledger_post(
            kind=JournalEntry.Kind.FUNDING_FEE,
            posting=posting,
            account=locked.account,
            memo=f"funding {info.code} {funding_time:%Y-%m-%d %H:%M} rate {rate}",
        )
        Income.objects.create(
            account=locked.account,
            symbol=info.symbol,
            income_type=Income.Type.FUNDING_FEE,
            income=paid,
            info=f"{funding_time:%Y-%m-%dT%H:%M}Z",
            entry=entry,
        )
    return record
