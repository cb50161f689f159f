"""The margin accounts' records: borrows and repayments, interest charges, forced liquidations.

Binance's pages: GET margin/borrow-repay and the older GET margin/loan and margin/repay
(https://developers.binance.com/docs/margin_trading/borrow-and-repay/Query-Borrow-Repay), margin/interestHistory
(.../borrow-and-repay/Get-Interest-History) and margin/forceLiquidationRec
(https://developers.binance.com/docs/margin_trading/trade/Get-Force-Liquidation-Record). Without
``isolatedSymbol`` a record list is the cross account's, with it that pair's isolated account's; forced
liquidations without it are every margin account's.
"""

from __future__ import annotations

from typing import cast

from rest_framework.response import Response

from accounts.models import User
from trading.binance import formats, selectors
from trading.binance.apis.base import USER_DATA, BinanceApi, time_window
from trading.models import LoanEvent

KINDS = {"BORROW": LoanEvent.Kind.BORROW, "REPAY": LoanEvent.Kind.REPAY}


def _account(view: BinanceApi):
    symbol = view.params.symbol("isolatedSymbol")
    user = cast(User, view.request.user)  # SignedAuthentication admitted only a user's API key
    return selectors.margin_account_route(
        user=user, is_isolated=symbol is not None, symbol=symbol, symbol_param="isolatedSymbol"
    )


def loan_records(view: BinanceApi, *, kind: str, asset_required: bool, shape) -> Response:
    """A page of the account's borrows or repayments, newest first."""
    p = view.params
    asset = p.required("asset") if asset_required else p.get("asset")
    events = selectors.loan_events(
        account=_account(view), kind=KINDS[kind], asset=asset, tx_id=p.id("txId"), **time_window(p)
    )
    found, total = selectors.page(events, **p.page())
    return Response(formats.rows([shape(event) for event in found], total))


class InterestHistoryApi(BinanceApi):
    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        events = selectors.loan_events(
            account=_account(self), kind=LoanEvent.Kind.INTEREST, asset=p.get("asset"), tx_id=None, **time_window(p)
        )
        found, total = selectors.page(events, **p.page())
        return Response(formats.rows([formats.interest_row(event) for event in found], total))


class ForceLiquidationRecApi(BinanceApi):
    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        accounts = selectors.margin_accounts_route(user=request.user, symbol=p.symbol("isolatedSymbol"))
        orders = selectors.liquidation_orders(accounts=accounts, **time_window(p))
        found, total = selectors.page(orders, **p.page())
        return Response(formats.rows([formats.liquidation_row(order) for order in found], total))
