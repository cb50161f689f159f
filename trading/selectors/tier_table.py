"""An isolated pair's tier table as pages and APIs show it: each tier with the ratios it sets under the risk
profile in force (Binance's ``GET /sapi/v1/margin/isolatedMarginTier``, the /api/v1 account detail)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading import margin
from trading.margin import Ratios
from trading.models import Account, AccountKind, Pair
from trading.selectors.lookups import market_settings_get, platform_settings_get
from trading.selectors.tiers import isolated_tier_tables
from trading.selectors.valuation import risk_tiers


@dataclass(frozen=True)
class TierRow:
    tier: int
    effective_multiple: Decimal
    ratios: Ratios
    base_max_borrowable: Decimal
    quote_max_borrowable: Decimal


def tier_table_get(*, pair: Pair, leverage: int, profile_id: int | None = None) -> list[TierRow]:
    """Every tier of ``pair`` at ``leverage``, tier 1 first. A pair without tiers has one: the profile's,
    up to the assets' per-account borrow limits."""
    profile_id = profile_id if profile_id is not None else platform_settings_get().risk_profile_id
    ratios = risk_tiers(profile_id=profile_id).get((AccountKind.ISOLATED, leverage))
    if ratios is None:
        return []
    table = isolated_tier_tables().get((pair.pk, leverage))
    if table is None:
        return [TierRow(1, Decimal(leverage), ratios, pair.base.borrow_limit, pair.quote.borrow_limit)]
    return [
        TierRow(t.tier, t.effective_multiple, margin.ratios_in_tier(ratios, t), t.base_max, t.quote_max)
        for t in sorted(table.tiers, key=lambda t: t.tier)
    ]


def account_tier_table(*, account: Account) -> list[TierRow] | None:
    """An isolated account's table (at its leverage, under its market's risk profile); None for any other
    account."""
    if account.kind != AccountKind.ISOLATED or account.leverage is None:
        return None
    profile_id = market_settings_get(account.market_id).risk_profile_id
    return tier_table_get(pair=account.isolated_pair, leverage=account.leverage, profile_id=profile_id)
