"""Borrowing, repaying and moving funds between the accounts."""

from __future__ import annotations

from typing import cast

from rest_framework.response import Response

from accounts.models import User
from trading import selectors as trading_selectors
from trading.binance import formats, selectors
from trading.binance.apis.base import TRADE, USER_DATA, BinanceApi, margin_route
from trading.binance.apis.records import KINDS, loan_records
from trading.binance.markets import current_market_id
from trading.services import loans, transfers


class BorrowRepayApi(BinanceApi):
    """POST margin/borrow-repay (type BORROW or REPAY); the older margin/loan and margin/repay set ``kind``.

    GET: their records (``records.loan_records``); the older paths require ``asset``, as on Binance.
    """

    security = {"POST": TRADE, "GET": USER_DATA}
    weight = {"POST": 1, "GET": 10}
    uid_weight = {"POST": 1500, "GET": 0}
    kind: str | None = None

    def get(self, request):
        kind = self.kind or self.params.choice("type", KINDS, required=True)
        shape = (
            formats.borrow_repay_row
            if self.kind is None
            else formats.loan_row
            if kind == "BORROW"
            else formats.repay_row
        )
        return loan_records(self, kind=kind, asset_required=self.kind is not None, shape=shape)

    def post(self, request):
        p = self.params
        kind = self.kind or p.choice("type", ("BORROW", "REPAY"), required=True)
        self.current_action = "borrow" if kind == "BORROW" else "repay"
        asset = p.required("asset")
        amount = p.decimal("amount", required=True)
        account = margin_route(self)
        service = loans.loan_borrow if kind == "BORROW" else loans.loan_repay
        event = service(user=request.user, account_id=account.pk, asset=asset, amount=amount)
        return Response({"tranId": event.pk})


class LoanApi(BorrowRepayApi):
    uid_weight = {"POST": 3000, "GET": 0}
    kind = "BORROW"


class RepayApi(BorrowRepayApi):
    uid_weight = {"POST": 3000, "GET": 0}
    kind = "REPAY"


class MaxBorrowableApi(BinanceApi):
    security = USER_DATA
    weight = 50

    def get(self, request):
        p = self.params
        asset = trading_selectors.asset_get(code=p.required("asset"), market=current_market_id())
        symbol = p.symbol("isolatedSymbol")
        account = selectors.margin_account_route(user=request.user, is_isolated=symbol is not None, symbol=symbol)
        amount = loans.max_borrowable_get(user=request.user, account_id=account.pk, asset=asset.code)
        return Response({"amount": formats.amount(amount), "borrowLimit": formats.amount(asset.borrow_limit)})


class MaxTransferableApi(BinanceApi):
    """margin/maxTransferable: what a transfer out of the margin account then accepts (and one unit more not)."""

    security = USER_DATA
    weight = 50

    def get(self, request):
        p = self.params
        asset = trading_selectors.asset_get(code=p.required("asset"), market=current_market_id())
        symbol = p.symbol("isolatedSymbol")
        account = selectors.margin_account_route(
            user=request.user, is_isolated=symbol is not None, symbol=symbol, symbol_param="isolatedSymbol"
        )
        return Response(
            {"amount": formats.amount(trading_selectors.max_transferable_get(account=account, asset=asset.code))}
        )


# --- transfers -----------------------------------------------------------------------------------------

# Binance's universal transfer types between the accounts MarginLab has: (from, to), each "spot", "cross"
# or "isolated" (the isolated account of fromSymbol / toSymbol).
TRANSFER_TYPES = {
    "MAIN_MARGIN": ("spot", "cross"),
    "MARGIN_MAIN": ("cross", "spot"),
    "MAIN_ISOLATED_MARGIN": ("spot", "isolated"),
    "ISOLATED_MARGIN_MAIN": ("isolated", "spot"),
    "MARGIN_ISOLATEDMARGIN": ("cross", "isolated"),
    "ISOLATEDMARGIN_MARGIN": ("isolated", "cross"),
    "ISOLATEDMARGIN_ISOLATEDMARGIN": ("isolated", "isolated"),
}


class TransferBaseApi(BinanceApi):
    security = TRADE
    uid_weight = 600
    action = "transfer"

    def account(self, kind: str, symbol_param: str):
        user = cast(User, self.request.user)  # SignedAuthentication admitted only a user's API key
        if kind == "spot":
            return selectors.spot_account_get(user=user)
        if kind == "cross":
            return selectors.cross_account_get(user=user)
        return selectors.isolated_account_get(user=user, symbol=self.params.symbol(symbol_param, required=True))

    def transfer(self, source, target) -> Response:
        p = self.params
        done = transfers.transfer_create(
            user=cast(User, self.request.user),  # as in account()
            from_account_id=source.pk,
            to_account_id=target.pk,
            asset=p.required("asset"),
            amount=p.decimal("amount", required=True),
        )
        return Response({"tranId": done.pk})


class UniversalTransferApi(TransferBaseApi):
    """POST asset/transfer, as ccxt's transfer() sends it."""

    uid_weight = 900

    def post(self, request):
        kind = self.params.choice("type", TRANSFER_TYPES, required=True)
        source_kind, target_kind = TRANSFER_TYPES[kind]
        return self.transfer(self.account(source_kind, "fromSymbol"), self.account(target_kind, "toSymbol"))


class MarginTransferApi(TransferBaseApi):
    """The older POST margin/transfer: type 1 spot -> cross, 2 cross -> spot."""

    def post(self, request):
        kind = self.params.choice("type", ("1", "2"), required=True)
        route = ("spot", "cross") if kind == "1" else ("cross", "spot")
        return self.transfer(self.account(route[0], "symbol"), self.account(route[1], "symbol"))


class IsolatedTransferApi(TransferBaseApi):
    """The older POST margin/isolated/transfer: transFrom / transTo SPOT or ISOLATED_MARGIN, and symbol."""

    SIDES = {"SPOT": "spot", "ISOLATED_MARGIN": "isolated"}

    def post(self, request):
        p = self.params
        source = self.SIDES[p.choice("transFrom", self.SIDES, required=True)]
        target = self.SIDES[p.choice("transTo", self.SIDES, required=True)]
        return self.transfer(self.account(source, "symbol"), self.account(target, "symbol"))
