"""Risk tiers and valuations: an account's balances at mark prices, its margin level and status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery

from accounts.models import User
from core.errors import ApplicationError
from core.prepared import Prepared
from trading import margin
from trading.lookup_cache import lookup_cached
from trading.margin import Holding, Ratios, Status, Valuation
from trading.models import (
    Account,
    AccountKind,
    Balance,
    MarkPrice,
    RiskTier,
)
from trading.selectors.lookups import QUOTE_ASSET, account_get_for_user, as_id, mark_prices, market_settings_get
from trading.selectors.tiers import isolated_ratios, isolated_tier_tables


def tier_rules(tier: RiskTier) -> str:
    """The name of the rules a tier is, as pages show it: "classic · Cross Margin Pro 10x"."""
    if tier.kind == AccountKind.CROSS:
        mode = "Cross Margin Pro" if tier.maintenance_rate is not None else "Cross Margin Classic"
    else:
        mode = "Isolated Margin"
    return f"{tier.profile.name} · {mode} {tier.leverage}x"


def tier_ratios(tier: RiskTier) -> Ratios:
    """The one place a risk tier becomes the margin math's thresholds (margin levels, A / D).

    A Cross Margin Pro tier (``maintenance_rate`` set) keeps its margin-call and liquidation lines as Pro
    margin levels, converted here (``margin.pro_threshold``; the rule and its Binance source there)."""
    mmr = tier.maintenance_rate
    margin_call, liquidation = tier.margin_call, tier.liquidation
    if mmr is not None:
        margin_call, liquidation = margin.pro_threshold(margin_call, mmr), margin.pro_threshold(liquidation, mmr)
    return Ratios(
        initial=tier.initial,
        margin_call=margin_call,
        liquidation=liquidation,
        transfer_out=tier.transfer_out,
        rules=tier_rules(tier),
        maintenance_rate=mmr,
    )


def risk_tiers(*, profile_id: int) -> dict[tuple[str, int], Ratios]:
    """Every tier of a risk profile, by (account kind, leverage class): one query, once per process.

    The isolated pairs' tier tables are loaded with them (one more query, once): the rules in force are read
    together, so a process that has them has both."""

    def load() -> dict[tuple[str, int], Ratios]:
        isolated_tier_tables()
        return {
            (t.kind, t.leverage): tier_ratios(t)
            for t in RiskTier.objects.filter(profile_id=profile_id).select_related("profile")
        }

    return lookup_cached(f"tiers:{profile_id}", load)


def profile_ratios_get(*, account: Account, profile_id: int) -> Ratios:
    """The risk profile's tier of the account's (kind, leverage class), before any isolated borrow tier."""
    tier = risk_tiers(profile_id=profile_id).get((account.kind, account.leverage))  # type: ignore[arg-type]
    if tier is None:
        raise ApplicationError(
            f"The risk profile has no tier for {account.kind} {account.leverage}x.", code="no_risk_tier"
        )
    return tier


def ratios_get(*, account: Account, profile_id: int, balances: Iterable[Balance] | None = None) -> Ratios:
    """The ratios in force for the account. An isolated account's depend on what it borrowed (tiered
    leverage, ``trading.selectors.tiers``): pass ``balances`` as the account is (or would be) at the check;
    without them they are read."""
    ratios = profile_ratios_get(account=account, profile_id=profile_id)
    return isolated_ratios(account=account, ratios=ratios, balances=balances)


def holdings_of(balances: Iterable[Balance]) -> list[Holding]:
    return [
        Holding(asset=b.asset.code, free=b.free, locked=b.locked, borrowed=b.borrowed, interest=b.interest)
        for b in balances
    ]


def valuation_of(*, balances: Iterable[Balance], prices: dict[str, Decimal]) -> Valuation:
    held = [h for h in holdings_of(balances) if h.gross or h.debt]
    missing = sorted({h.asset for h in held} - set(prices))
    if missing:
        raise ApplicationError(f"No mark price for {', '.join(missing)} yet.", code="no_price")
    return margin.value(held, prices)


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    balances: list[Balance]
    valuation: Valuation
    status: Status
    ratios: Ratios | None

    @property
    def margin_level(self) -> Decimal | None:
        return self.valuation.level

    @property
    def pro_margin_level(self) -> Decimal | None:
        """Cross Margin Pro's own margin level (net equity / maintenance margin), None outside Pro."""
        if self.ratios is None or self.ratios.maintenance_rate is None:
            return None
        return margin.pro_margin_level(self.valuation, self.ratios.maintenance_rate)

    @property
    def total_asset_value(self) -> Decimal:
        return self.valuation.assets

    @property
    def total_debt(self) -> Decimal:
        return self.valuation.debt


def account_summary(
    *, account: Account, balances: list[Balance], prices: dict[str, Decimal], tiers: dict
) -> AccountSummary:
    valuation = valuation_of(balances=balances, prices=prices)
    ratios = tiers.get((account.kind, account.leverage))
    if ratios is not None:
        ratios = isolated_ratios(account=account, ratios=ratios, balances=balances)
    status = margin.classify(valuation.level, ratios) if ratios else Status.NORMAL
    return AccountSummary(account=account, balances=balances, valuation=valuation, status=status, ratios=ratios)


def account_summaries_for_user(*, user: User, prices: dict[str, Decimal] | None = None) -> list[AccountSummary]:
    """Every account of the user with balances, valuation and status, in a fixed number of queries."""
    accounts = (
        Account.objects.filter(user=user)
        .exclude(kind__in=[AccountKind.SYSTEM, AccountKind.FUTURES])
        .select_related("pair__base", "pair__quote")
        .prefetch_related(
            Prefetch("balances", queryset=Balance.objects.select_related("asset").order_by("asset__code"))
        )
        .order_by("id")
    )
    prices = prices or mark_prices()
    tiers: dict[int | None, dict] = {}  # by market: a user's accounts are in one market, read it once
    summaries = []
    for a in accounts:
        if a.market_id not in tiers:
            tiers[a.market_id] = _tiers_of(a)
        summaries.append(
            account_summary(account=a, balances=list(a.balances.all()), prices=prices, tiers=tiers[a.market_id])
        )
    return summaries


def _tiers_of(account: Account) -> dict[tuple[str, int], Ratios]:
    """The risk tiers of the account's market's profile (the platform's in the main market)."""
    return risk_tiers(profile_id=market_settings_get(account.market_id).risk_profile_id)


# GET /api/v1/accounts/{id}: the user's account with its balances, each with its asset's mark price (the
# price ``mark_prices`` gives it: its pair against the quote asset), in one statement compiled once.
_BALANCES_OF_USER = Prepared(
    lambda account_id, user_id: (
        Balance.objects.filter(account_id=account_id, account__user_id=user_id)
        .exclude(account__kind__in=[AccountKind.SYSTEM, AccountKind.FUTURES])
        .select_related("asset", "account__pair__base", "account__pair__quote")
        .annotate(
            mark=Subquery(
                MarkPrice.objects.filter(pair__base_id=OuterRef("asset_id"), pair__quote__code=QUOTE_ASSET)
                .order_by()
                .values("price")[:1]
            )
        )
        .order_by("asset__code")
    ),
    account_id=int,
    user_id=int,
)


def account_summary_get_for_user(*, user: User, account_id) -> AccountSummary:
    """The user's own account with its summary, the account read with its balances in one query (issue 15:
    GET /api/v1/accounts/{id}); an account without balances, or not the user's, takes the look-up by id."""
    account_pk = as_id(account_id)
    rows = []
    if account_pk is not None and user is not None and user.is_authenticated:
        rows = _BALANCES_OF_USER(account_id=account_pk, user_id=user.pk)
    if not rows:
        return account_summary_get(account=account_get_for_user(user=user, account_id=account_id))
    account = rows[0].account
    account.user = user  # the filter proved it
    prices = {QUOTE_ASSET: Decimal(1)}
    for row in rows:
        row.account = account
        if row.mark is not None:
            prices[row.asset.code] = row.mark
    return account_summary(account=account, balances=rows, prices=prices, tiers=_tiers_of(account))


def account_summary_get(*, account: Account, prices: dict[str, Decimal] | None = None) -> AccountSummary:
    balances = list(Balance.objects.filter(account=account).select_related("asset").order_by("asset__code"))
    return account_summary(account=account, balances=balances, prices=prices or mark_prices(), tiers=_tiers_of(account))
