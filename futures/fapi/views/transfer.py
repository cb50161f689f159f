"""Spot <-> USDⓈ-M futures transfers: the universal transfer's MAIN_UMFUTURE / UMFUTURE_MAIN, and the
older futures/transfer (type 1 spot -> futures, 2 futures -> spot), over ``futures_transfer_create``.

These are /sapi paths: their errors are the spot and margin door's (-3041 when the funds are short), so
they keep ``trading.binance``'s handler.
https://developers.binance.com/docs/wallet/asset/user-universal-transfer
"""

from __future__ import annotations

from typing import cast

from rest_framework.response import Response

from accounts.models import User
from futures.services.wallet import TO_FUTURES, TO_SPOT, futures_transfer_create
from trading.binance import errors
from trading.binance.apis import wallet as apis

FUTURES_TYPES = (TO_FUTURES, TO_SPOT)
# https://developers.binance.com/docs/wallet/futures/New-Future-Account-Transfer (3 and 4 are COIN-M).
LEGACY_TYPES = {"1": TO_FUTURES, "2": TO_SPOT}


def _futures_transfer(view: apis.BinanceApi, direction: str) -> Response:
    p = view.params
    if p.required("asset").upper() != "USDT":
        raise errors.BinanceError(errors.NOT_MARGIN_ASSET)  # USDT is the futures wallet's one margin asset
    done = futures_transfer_create(
        user=cast(User, view.request.user), type=direction, amount=p.decimal("amount", required=True)
    )
    return Response({"tranId": done.pk})


class UniversalTransferApi(apis.UniversalTransferApi):
    """asset/transfer: the futures types here, every other type as the margin door has them."""

    def post(self, request):
        kind = self.params.get("type")
        if kind in FUTURES_TYPES:
            return _futures_transfer(self, kind)
        return super().post(request)


class FuturesTransferApi(apis.TransferBaseApi):
    uid_weight = 0
    weight = 1

    def post(self, request):
        kind = self.params.choice("type", LEGACY_TYPES, required=True)
        return _futures_transfer(self, LEGACY_TYPES[kind])
