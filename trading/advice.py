"""The seed's practical tips as advice on a user's accounts: pure functions over Decimals.

From ``shared/seeds/futures-cross-vs-isolated-margin.txt``, "Practical Tips":

- Isolated: "each position's margin should not exceed 10%-20% of total account funds". Warned when an
  isolated account's equity is more than 20 % of the equity of all the user's accounts together.
- Cross: "keep at least 30% of your account as idle margin". A cross account's idle share is the part
  of its equity not tied up as initial margin by its debt: (assets - initial * debt) / (assets - debt),
  the same headroom that max borrowable is computed from; 100 % without debt, 0 % when nothing more
  could be borrowed. Warned when it is under 30 %.

Both thresholds are strict: exactly 20 % held, or exactly 30 % idle, is no warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from trading.margin import ZERO

ISOLATED_SHARE_LIMIT = Decimal("0.20")
CROSS_IDLE_MINIMUM = Decimal("0.30")


@dataclass(frozen=True)
class Advice:
    account_id: int
    kind: str  # "isolated_share" or "cross_idle"
    value: Decimal  # the share held, or the share idle
    message: str


def isolated_share(*, equity: Decimal, total_equity: Decimal) -> Decimal | None:
    """The account's share of all the user's funds; None when the user has nothing to share."""
    if total_equity <= 0:
        return None
    return max(equity, ZERO) / total_equity


def cross_idle(*, assets: Decimal, debt: Decimal, initial: Decimal) -> Decimal | None:
    """The share of the account's equity left idle (see above); None for an empty account."""
    if assets <= 0 and debt <= 0:
        return None
    equity = assets - debt
    if equity <= 0:
        return ZERO
    return max(ZERO, (assets - initial * debt) / equity)


@dataclass(frozen=True)
class AccountFigures:
    """What the advice needs of one account (an AccountSummary has it all)."""

    account_id: int
    kind: str
    name: str
    assets: Decimal
    debt: Decimal
    initial: Decimal | None

    @property
    def equity(self) -> Decimal:
        return self.assets - self.debt


def advice_for(accounts: Iterable[AccountFigures]) -> list[Advice]:
    accounts = list(accounts)
    total = sum((a.equity for a in accounts), ZERO)
    found = []
    for account in accounts:
        if account.kind == "isolated":
            share = isolated_share(equity=account.equity, total_equity=total)
            if share is not None and share > ISOLATED_SHARE_LIMIT:
                found.append(
                    Advice(
                        account_id=account.account_id,
                        kind="isolated_share",
                        value=share,
                        message=(
                            f"Your {account.name} holds {share:.1%} of your funds. The margin you put into one "
                            f"isolated position is what you accept to lose on it: keep it to 10-20 %."
                        ),
                    )
                )
        elif account.kind == "cross" and account.initial is not None:
            idle = cross_idle(assets=account.assets, debt=account.debt, initial=account.initial)
            if idle is not None and idle < CROSS_IDLE_MINIMUM:
                found.append(
                    Advice(
                        account_id=account.account_id,
                        kind="cross_idle",
                        value=idle,
                        message=(
                            f"Only {idle:.1%} of your {account.name} is left idle. Don't max out a cross "
                            f"account: keep at least 30 % idle, or one bad position takes everything in it."
                        ),
                    )
                )
    return found


def summary_figures(summary) -> AccountFigures:
    """An AccountSummary (trading.selectors) as the figures the advice reads."""
    account = summary.account
    name = f"isolated {account.pair.symbol} account" if account.pair_id else f"{account.get_kind_display()} account"
    return AccountFigures(
        account_id=account.pk,
        kind=account.kind,
        name=name.lower() if not account.pair_id else name,
        assets=summary.total_asset_value,
        debt=summary.total_debt,
        initial=summary.ratios.initial if summary.ratios else None,
    )
