"""What every /fapi view shares with the spot and margin door (``trading.binance.apis.BinanceApi``: signing,
weights, JSON only), with the futures services' errors told in /fapi's codes."""

from __future__ import annotations

from typing import cast

from accounts.models import User
from futures.fapi import errors, selectors
from futures.selectors import SymbolInfo
from trading.binance.apis.base import MARKET_DATA, NONE, TRADE, USER_DATA, BinanceApi
from trading.binance.params import Params

__all__ = ["MARKET_DATA", "NONE", "TRADE", "USER_DATA", "FapiApi", "time_window"]


class FapiApi(BinanceApi):
    def get_exception_handler(self):
        return errors.exception_handler

    @property
    def user(self) -> User:
        return cast(User, self.request.user)  # SignedAuthentication admitted only a user's API key

    def symbol(self, market: dict[str, SymbolInfo], *, required: bool = True) -> SymbolInfo | None:
        code = self.params.symbol(required=required)
        return selectors.symbol_info(market, code) if code is not None else None


def time_window(p: Params) -> dict:
    return {"start": p.time("startTime"), "end": p.time("endTime")}


def limit_weight(limit: int, steps: tuple[tuple[int, int], ...]) -> int:
    """Binance's weights that grow with ``limit``: the first step whose bound the limit is under."""
    for bound, weight in steps:
        if limit < bound:
            return weight
    return steps[-1][1]
