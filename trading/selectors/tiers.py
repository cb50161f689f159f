"""Isolated margin's tiered leverage, read: each pair's tier table (one query, once per process) and the
tier an isolated account's borrowed amounts put it in (the rules: ``trading.margin.tiers``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from trading import margin
from trading.lookup_cache import lookup_cached
from trading.margin import BorrowTier, Ratios
from trading.models import Account, AccountKind, Balance, IsolatedMarginTier


@dataclass(frozen=True)
class PairTiers:
    """A pair's tiers for one leverage class, and which of its assets is which."""

    base_id: int
    quote_id: int
    tiers: tuple[BorrowTier, ...]

    def borrowed(self, balances: Iterable[Balance]) -> tuple[Decimal, Decimal]:
        """(base, quote) principal borrowed, read from the account's balances."""
        owed = {b.asset_id: b.borrowed for b in balances}
        return owed.get(self.base_id, Decimal(0)), owed.get(self.quote_id, Decimal(0))

    def in_force(self, balances: Iterable[Balance]) -> BorrowTier | None:
        base, quote = self.borrowed(balances)
        return margin.tier_in_force(self.tiers, base_borrowed=base, quote_borrowed=quote)


def isolated_tier_tables() -> dict[tuple[int, int], PairTiers]:
    """Every pair's tiers by (pair id, leverage class)."""

    def load() -> dict[tuple[int, int], PairTiers]:
        tables: dict[tuple[int, int], PairTiers] = {}
        rows = IsolatedMarginTier.objects.select_related("pair").order_by("pair_id", "leverage", "tier")
        for row in rows:
            key = (row.pair_id, row.leverage)
            table = tables.get(key) or PairTiers(base_id=row.pair.base_id, quote_id=row.pair.quote_id, tiers=())
            tier = BorrowTier(
                tier=row.tier,
                effective_multiple=row.effective_multiple,
                base_max=row.base_max_borrowable,
                quote_max=row.quote_max_borrowable,
                initial=row.initial,
                margin_call=row.margin_call,
                liquidation=row.liquidation,
            )
            tables[key] = PairTiers(base_id=table.base_id, quote_id=table.quote_id, tiers=(*table.tiers, tier))
        return tables

    return lookup_cached("isolated-tiers", load)


def pair_tiers_get(*, account: Account) -> PairTiers | None:
    """The tier table of an isolated account's pair and leverage; None for any other account, or a pair
    without tiers (one tier then: the risk profile's)."""
    if account.kind != AccountKind.ISOLATED or account.pair_id is None or account.leverage is None:
        return None
    return isolated_tier_tables().get((account.pair_id, account.leverage))


def isolated_ratios(*, account: Account, ratios: Ratios, balances: Iterable[Balance] | None = None) -> Ratios:
    """The ratios in force for ``account``: its profile tier's, with an isolated account's tier applied.

    ``balances`` are the account as the check sees it (after the borrow being checked, say); without them
    they are read."""
    table = pair_tiers_get(account=account)
    if table is None:
        return ratios
    if balances is None:
        balances = Balance.objects.filter(account=account, borrowed__gt=0).only("asset_id", "borrowed")
    return margin.ratios_in_tier(ratios, table.in_force(balances))
