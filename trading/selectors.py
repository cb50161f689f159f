"""Reads of the trading app. Views reach a user's data only through the ``*_for_user`` selectors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, DecimalField, F, Max, Prefetch, Q, Sum, When
from django.db.models.functions import Abs
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from trading import margin
from trading.margin import Holding, Ratios, Status, Valuation
from trading.models import (
    BUCKET_WEIGHT,
    OPEN_STATUSES,
    Account,
    AccountKind,
    Asset,
    Balance,
    Bucket,
    LedgerLine,
    MarkPrice,
    Order,
    Pair,
    PlatformSettings,
    PriceCandle,
    RiskTier,
)

QUOTE_ASSET = "USDT"


def platform_settings_get() -> PlatformSettings:
    return PlatformSettings.objects.select_related("risk_profile").get(pk=1)


def asset_get(*, code: str) -> Asset:
    # Codes and symbols are letters and digits; anything else (a NUL byte, which PostgreSQL refuses
    # outright) is simply unknown.
    asset = Asset.objects.filter(code=code.upper()).first() if isinstance(code, str) and code.isalnum() else None
    if asset is None:
        raise ApplicationError(f"Unknown asset: {code!r}.", code="unknown_asset", fields={"asset": ["Unknown asset."]})
    return asset


def pair_get(*, symbol: str) -> Pair:
    pair = None
    if isinstance(symbol, str) and symbol.isalnum():
        pair = Pair.objects.select_related("base", "quote").filter(symbol=symbol.upper()).first()
    if pair is None:
        raise ApplicationError(
            f"Invalid symbol: {symbol!r}.", code="unknown_symbol", fields={"symbol": ["Invalid symbol."]}
        )
    return pair


def _as_id(value) -> int | None:
    """An integer id from an int or a string of digits; anything else (floats, junk) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value.strip())
    return None


def account_get_for_user(*, user, account_id) -> Account:
    """The user's own account; anything else (another user's, a system account, junk) is 'not found'."""
    account_id = _as_id(account_id)
    account = None
    if account_id is not None and user is not None and user.is_authenticated:
        account = (
            Account.objects.select_related("pair__base", "pair__quote")
            .filter(pk=account_id, user=user)
            .exclude(kind=AccountKind.SYSTEM)
            .first()
        )
    if account is None:
        raise NotFound("Account not found.", fields={"account": ["Account not found."]})
    return account


def order_get_for_user(*, user, order_id) -> Order:
    order_id = _as_id(order_id)
    order = None
    if order_id is not None and user is not None and user.is_authenticated:
        order = (
            Order.objects.select_related("pair__base", "pair__quote", "account")
            .filter(pk=order_id, account__user=user)
            .first()
        )
    if order is None:
        raise NotFound("Unknown order sent.", code="unknown_order")
    return order


def mark_prices() -> dict[str, Decimal]:
    """The mark price of every asset in the quote asset (USDT itself is 1)."""
    prices = {QUOTE_ASSET: Decimal(1)}
    rows = MarkPrice.objects.filter(pair__quote__code=QUOTE_ASSET).values_list("pair__base__code", "price")
    prices.update(dict(rows))
    return prices


def mark_price_get(*, pair: Pair) -> Decimal:
    row = MarkPrice.objects.filter(pair=pair).first()
    if row is None:
        raise ApplicationError(f"No mark price for {pair.symbol} yet.", code="no_price")
    return row.price


def tier_ratios(tier: RiskTier) -> Ratios:
    """The one place a risk tier becomes the margin math's thresholds."""
    return Ratios(
        initial=tier.initial, margin_call=tier.margin_call, liquidation=tier.liquidation, transfer_out=tier.transfer_out
    )


def risk_tiers(*, profile_id: int) -> dict[tuple[str, int], Ratios]:
    """Every tier of a risk profile, by (account kind, leverage class): one query."""
    return {(t.kind, t.leverage): tier_ratios(t) for t in RiskTier.objects.filter(profile_id=profile_id)}


def ratios_get(*, account: Account, profile_id: int) -> Ratios:
    tier = RiskTier.objects.filter(profile_id=profile_id, kind=account.kind, leverage=account.leverage).first()
    if tier is None:
        raise ApplicationError(
            f"The risk profile has no tier for {account.kind} {account.leverage}x.", code="no_risk_tier"
        )
    return tier_ratios(tier)


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
    status = margin.classify(valuation.level, ratios) if ratios else Status.NORMAL
    return AccountSummary(account=account, balances=balances, valuation=valuation, status=status, ratios=ratios)


def account_summaries_for_user(*, user, prices: dict[str, Decimal] | None = None) -> list[AccountSummary]:
    """Every account of the user with balances, valuation and status, in a fixed number of queries."""
    accounts = (
        Account.objects.filter(user=user)
        .exclude(kind=AccountKind.SYSTEM)
        .select_related("pair__base", "pair__quote")
        .prefetch_related(
            Prefetch("balances", queryset=Balance.objects.select_related("asset").order_by("asset__code"))
        )
        .order_by("id")
    )
    prices = prices or mark_prices()
    tiers = risk_tiers(profile_id=platform_settings_get().risk_profile_id)
    return [account_summary(account=a, balances=list(a.balances.all()), prices=prices, tiers=tiers) for a in accounts]


def account_summary_get(*, account: Account, prices: dict[str, Decimal] | None = None) -> AccountSummary:
    balances = list(Balance.objects.filter(account=account).select_related("asset").order_by("asset__code"))
    tiers = risk_tiers(profile_id=platform_settings_get().risk_profile_id)
    return account_summary(account=account, balances=balances, prices=prices or mark_prices(), tiers=tiers)


def ledger_lines_for_account(*, account: Account):
    return LedgerLine.objects.filter(balance__account=account).select_related("entry", "balance__asset").order_by("-id")


# SQLite keeps decimals as floating point with 15 significant digits; a difference below that is the
# storage, not the books. PostgreSQL's NUMERIC is exact, and there (in CI and production) nothing is let off.
SQLITE_RELATIVE_PRECISION = Decimal("1e-14")


def _journal_sums() -> tuple[dict, dict, Decimal]:
    """Per (entry, asset) the weighted total of its lines, per (balance, bucket) the sum of its lines,
    and the relative difference the database's storage allows.

    PostgreSQL sums NUMERIC exactly, so it does the work; on SQLite the lines are summed here.
    """
    if connection.vendor == "postgresql":
        weighted = Case(
            *[When(bucket=bucket, then=F("amount") * weight) for bucket, weight in BUCKET_WEIGHT.items()],
            output_field=DecimalField(max_digits=32, decimal_places=8),
        )
        entries = {
            (r["entry_id"], r["balance__asset_id"]): (r["total"], r["largest"])
            for r in LedgerLine.objects.values("entry_id", "balance__asset_id")
            .annotate(total=Sum(weighted), largest=Max(Abs("amount")))
            .exclude(total=0)
        }
        buckets = {
            (r["balance_id"], r["bucket"]): r["total"]
            for r in LedgerLine.objects.values("balance_id", "bucket").annotate(total=Sum("amount"))
        }
        return entries, buckets, Decimal(0)
    totals, largest, buckets = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    rows = LedgerLine.objects.values_list("entry_id", "balance__asset_id", "balance_id", "bucket", "amount")
    for entry_id, asset_id, balance_id, bucket, amount in rows.iterator():
        totals[(entry_id, asset_id)] += BUCKET_WEIGHT[bucket] * amount
        largest[(entry_id, asset_id)] = max(largest[(entry_id, asset_id)], abs(amount))
        buckets[(balance_id, bucket)] += amount
    entries = {key: (total, largest[key]) for key, total in totals.items() if total != 0}
    return entries, buckets, SQLITE_RELATIVE_PRECISION


def ledger_differences() -> list[str]:
    """Every way the ledger disagrees with itself: unbalanced entries, balances unlike their journal."""

    entries, buckets, precision = _journal_sums()
    codes = dict(Asset.objects.values_list("id", "code"))
    problems = [
        f"entry #{entry_id} {codes[asset_id]} does not balance: off by {total:f}"
        for (entry_id, asset_id), (total, largest) in sorted(entries.items())
        if abs(total) > largest * precision
    ]
    columns = ["id", "account_id", "asset_id", "is_system", *Bucket.values]
    for row in Balance.objects.order_by("id").values_list(*columns).iterator():
        balance_id, account_id, asset_id, is_system, *stored = row
        for bucket, value in zip(Bucket.values, stored, strict=True):
            journal = buckets.get((balance_id, bucket), Decimal(0))
            where = f"balance #{balance_id} (account #{account_id} {codes[asset_id]}) {bucket}"
            if abs(value - journal) > max(abs(value), abs(journal)) * precision:
                problems.append(f"{where}: stored {value:f}, journal {journal:f}")
            if value < 0 and not is_system:
                problems.append(f"{where} is negative: {value:f}")
    return problems


@dataclass(frozen=True)
class Position:
    account: Account
    asset: str
    symbol: str
    quantity: Decimal  # net: positive long, negative short
    entry_price: Decimal | None
    mark_price: Decimal
    liquidation_price: Decimal | None
    margin_level: Decimal | None

    @property
    def side(self) -> str:
        return "LONG" if self.quantity > 0 else "SHORT"

    @property
    def unrealized_pnl(self) -> Decimal | None:
        if self.entry_price is None:
            return None
        return margin.round_half_up((self.mark_price - self.entry_price) * self.quantity)


def positions_of(summary: AccountSummary, prices: dict[str, Decimal]) -> list[Position]:
    """Every non-quote asset with a net holding, with its estimated liquidation price.

    The liquidation price moves this asset's price alone, every other price held still (for an isolated
    account, the "others" are just its quote asset), and solves assets = L * debt for it.
    """
    if not summary.account.is_margin:
        return []
    positions = []
    for balance in summary.balances:
        code = balance.asset.code
        if code == QUOTE_ASSET or balance.net == 0:
            continue
        price = prices[code]
        gross, debt = balance.free + balance.locked, balance.borrowed + balance.interest
        liquidation = None
        if summary.ratios is not None and summary.valuation.debt > 0:
            liquidation = margin.liquidation_price(
                base_assets=gross,
                base_debt=debt,
                quote_assets=summary.valuation.assets - gross * price,
                quote_debt=summary.valuation.debt - debt * price,
                liquidation=summary.ratios.liquidation,
            )
        positions.append(
            Position(
                account=summary.account,
                asset=code,
                symbol=f"{code}{QUOTE_ASSET}",
                quantity=balance.net,
                entry_price=balance.entry_price,
                mark_price=price,
                liquidation_price=margin.round_half_up(liquidation) if liquidation is not None else None,
                margin_level=summary.margin_level,
            )
        )
    return positions


def position_list(*, account: Account) -> list[Position]:
    prices = mark_prices()
    return positions_of(account_summary_get(account=account, prices=prices), prices)


def position_list_for_user(*, user) -> list[Position]:
    prices = mark_prices()
    summaries = account_summaries_for_user(user=user, prices=prices)
    return [p for summary in summaries for p in positions_of(summary, prices)]


# --- the web UI's reads -------------------------------------------------------------------------------


def max_transferable_get(*, account: Account, asset: str) -> Decimal:
    """How much of ``asset`` can leave the account now: its free balance, and out of a margin account with
    debt only as much as keeps the margin level at or above the transfer-out ratio (what transfer_create
    checks)."""
    asset_obj = asset_get(code=asset)
    balances = list(Balance.objects.filter(account=account).select_related("asset"))
    free = next((b.free for b in balances if b.asset_id == asset_obj.pk), Decimal(0))
    if not account.is_margin or free <= 0:
        return free
    prices = mark_prices()
    valuation = valuation_of(balances=balances, prices=prices)
    if valuation.debt <= 0:
        return free
    ratios = ratios_get(account=account, profile_id=platform_settings_get().risk_profile_id)
    return margin.max_transferable_out(
        valuation=valuation, transfer_out=ratios.transfer_out, price=prices[asset_obj.code], available=free
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
    """Every pair's mark price with its 24-hour change, in two queries."""

    since = (now or timezone.now()) - timedelta(hours=24)
    opens: dict[int, Decimal] = {}
    candles = PriceCandle.objects.filter(interval=PriceCandle.Interval.HOUR, open_time__gte=since).order_by(
        "pair_id", "open_time"
    )
    for pair_id, price in candles.values_list("pair_id", "open"):
        opens.setdefault(pair_id, price)
    marks = MarkPrice.objects.select_related("pair").filter(pair__is_active=True).order_by("pair__symbol")
    return [Ticker(symbol=m.pair.symbol, price=m.price, open_24h=opens.get(m.pair_id)) for m in marks]


def open_orders_for_account(*, account: Account):
    return Order.objects.filter(account=account, status__in=OPEN_STATUSES).select_related("pair").order_by("-id")


# --- which account, and what it offers (the web page and the Binance API) ----------------------------


def isolated_account_get_for_user(*, user, symbol: str) -> Account | None:
    """The user's isolated margin account of a pair, if they enabled one."""
    return (
        Account.objects.select_related("pair__base", "pair__quote")
        .filter(user=user, kind=AccountKind.ISOLATED, pair__symbol=str(symbol).upper())
        .first()
    )


def cross_account_get_for_user(*, user) -> Account | None:
    return Account.objects.filter(user=user, kind=AccountKind.CROSS).first()


def margin_account_for_user(*, user, isolated: bool, symbol: str | None) -> Account | None:
    """The margin account a request means, as Binance routes it: with ``isolated`` the user's isolated
    account of ``symbol``, otherwise the cross account; None while that account does not exist. The web
    order ticket's Cross/Isolated switch and the Binance API's ``isIsolated`` both come here."""
    if isolated:
        return isolated_account_get_for_user(user=user, symbol=symbol)
    return cross_account_get_for_user(user=user)


def account_list_for_user(*, user) -> list[Account]:
    return list(
        Account.objects.filter(user=user).exclude(kind=AccountKind.SYSTEM).select_related("pair").order_by("id")
    )


def isolated_symbols() -> list[str]:
    """The pairs an isolated account can be enabled for."""
    return list(
        Pair.objects.filter(is_active=True, margin_enabled=True, isolated_enabled=True)
        .order_by("symbol")
        .values_list("symbol", flat=True)
    )


def account_assets(*, account: Account) -> list[str]:
    """The assets the account can hold: its pair's two, or every asset with the quote asset first."""
    if account.kind == AccountKind.ISOLATED:
        return [account.pair.quote.code, account.pair.base.code]
    codes = list(Asset.objects.order_by("code").values_list("code", flat=True))
    return [QUOTE_ASSET, *[c for c in codes if c != QUOTE_ASSET]] if QUOTE_ASSET in codes else codes


def account_symbols(*, account: Account) -> list[str]:
    """The pairs the account can trade: its own pair, the margin pairs, or (spot) every active pair."""
    if account.kind == AccountKind.ISOLATED:
        return [account.pair.symbol]
    pairs = Pair.objects.filter(is_active=True).order_by("symbol")
    if account.is_margin:
        pairs = pairs.filter(margin_enabled=True)
    return list(pairs.values_list("symbol", flat=True))


def owed_assets(*, account: Account) -> list[str]:
    """The assets the account owes (principal or interest), by code."""
    owed = Balance.objects.filter(account=account).filter(Q(borrowed__gt=0) | Q(interest__gt=0))
    return list(owed.order_by("asset_id").values_list("asset__code", flat=True))
