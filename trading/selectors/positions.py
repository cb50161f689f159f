"""Positions: every non-quote asset of a margin account, long or short, with its PnL and liquidation price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import User
from trading import margin
from trading.models import (
    Account,
)
from trading.selectors.lookups import QUOTE_ASSET, mark_prices
from trading.selectors.valuation import AccountSummary, account_summaries_for_user, account_summary_get


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


def position_list_for_user(*, user: User) -> list[Position]:
    prices = mark_prices()
    summaries = account_summaries_for_user(user=user, prices=prices)
    return [p for summary in summaries for p in positions_of(summary, prices)]
