"""``GET /sapi/v1/margin/interestRateHistory``: an asset's margin interest rates, in Binance's shape.

Binance: USER_DATA, weight 1 (IP); ``asset`` mandatory, ``vipLevel`` (default the user's), ``startTime``
(default 7 days ago), ``endTime`` (default now, at most 1 month after startTime); the answer a list, newest
first, of {asset, dailyInterestRate, timestamp, vipLevel}
(https://developers.binance.com/docs/margin_trading/borrow-and-repay/Query-Margin-Interest-Rate-History).
MarginLab has one rate per asset for everyone: vipLevel is 0 and any other level gets the same schedule.
A kept apart module (not apis.py) so that it stands on its own while the Binance doors are split up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rest_framework.response import Response

from trading import selectors as trading_selectors
from trading.binance import errors
from trading.binance.apis.base import USER_DATA, BinanceApi
from trading.binance.auth import now_ms
from trading.binance.markets import current_market_id

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=31)  # "Maximum range: 1 months"
VIP_LEVEL = 0


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class InterestRateHistoryApi(BinanceApi):
    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        asset = trading_selectors.asset_get(code=p.required("asset"), market=current_market_id())
        p.integer("vipLevel", minimum=0, maximum=9)  # checked, then the one schedule answers every level
        start_ms, end_ms = p.time("startTime"), p.time("endTime")
        end = _at(end_ms) if end_ms is not None else _at(now_ms())
        start = _at(start_ms) if start_ms is not None else end - DEFAULT_WINDOW
        if end_ms is None and start_ms is not None:
            end = min(_at(now_ms()), start + MAX_WINDOW)
        if start > end:
            raise errors.invalid_data("startTime")
        if end - start > MAX_WINDOW:
            raise errors.BinanceError((-1127, "More than 1 month between startTime and endTime."))
        entries = trading_selectors.interest_rate_history(asset=asset, start=start, end=end)
        return Response(
            [
                {
                    "asset": asset.code,
                    "dailyInterestRate": f"{entry.daily_rate:.8f}",
                    "timestamp": _ms(entry.effective_from),
                    "vipLevel": VIP_LEVEL,
                }
                for entry in entries
            ]
        )
