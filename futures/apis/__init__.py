"""REST doors of the futures floor under /api/v1/futures/: wallet and transfers, symbols with brackets,
leverage, margin type, orders, positions, isolated margin, income history and funding.

Thin doors like trading's: an InputSerializer checks the shape, a service writes, a selector reads.
Another user's order is a 404. Field names are snake_case forms of Binance's /fapi fields
(positionAmt -> position_amt, isolatedMargin -> isolated_margin, ...) so the later /fapi door maps
them one to one.
"""

from futures.apis.account import (
    FuturesLeverageApi,
    FuturesMarginTypeApi,
    FuturesPositionModeApi,
    FuturesTransferApi,
    FuturesWalletApi,
)
from futures.apis.common import FUTURES, signed_field
from futures.apis.market import FuturesFundingRateApi, FuturesIncomeApi, FuturesSymbolListApi, symbol_data
from futures.apis.trading import (
    FuturesOrderApi,
    FuturesOrderDetailApi,
    FuturesPositionListApi,
    FuturesPositionMarginApi,
)

__all__ = [
    "FUTURES",
    "FuturesFundingRateApi",
    "FuturesIncomeApi",
    "FuturesLeverageApi",
    "FuturesMarginTypeApi",
    "FuturesOrderApi",
    "FuturesOrderDetailApi",
    "FuturesPositionListApi",
    "FuturesPositionMarginApi",
    "FuturesPositionModeApi",
    "FuturesSymbolListApi",
    "FuturesTransferApi",
    "FuturesWalletApi",
    "signed_field",
    "symbol_data",
]
