"""Mark prices and the platform's system accounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.errors import ApplicationError
from trading import selectors
from trading.models import Account, AccountKind, Asset, JournalEntry, MarkPrice, SystemAccount
from trading.services.common import clean_amount
from trading.services.ledger import Posting, ledger_post, system_balance

# Paper money the insurance fund starts with (per asset, in USDT only), so that early shortfalls are
# covered without the fund going negative in a demo.
INSURANCE_FUND_SEED = Decimal("100000")


def mark_price_set(*, symbol: str, price, now: datetime | None = None) -> MarkPrice:
    pair = selectors.pair_get(symbol=symbol)
    price = clean_amount(price, field="price")
    if price % pair.tick_size:
        raise ApplicationError(
            f"Price {price} is not a multiple of the tick size {pair.tick_size.normalize()}.",
            code="filter_failure",
            fields={"price": ["Filter failure: PRICE_FILTER"]},
        )
    mark, _ = MarkPrice.objects.update_or_create(
        pair=pair, defaults={"price": price, "updated_at": now or timezone.now()}
    )
    return mark


def platform_bootstrap() -> list[str]:
    """Make every system account and fill each lending pool up to its asset's pool size. Idempotent."""
    done = []
    with transaction.atomic():
        for code in SystemAccount:
            _, created = Account.objects.get_or_create(kind=AccountKind.SYSTEM, system_code=code)
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
