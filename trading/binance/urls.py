"""Binance's paths, mounted at the site's root (config/urls.py): /api/v3, /sapi, /fapi and /dapi."""

from django.urls import path, re_path

from trading.binance import book, interest
from trading.binance.apis import (
    accounts,
    base,
    market,
    order_lists,
    orders,
    records,
    reference,
    spot_order_lists,
    wallet,
)

urlpatterns = [
    # Spot market data (public), and the spot wallet.
    path("api/v3/ping", market.PingApi.as_view()),
    path("api/v3/time", market.TimeApi.as_view()),
    path("api/v3/exchangeInfo", market.ExchangeInfoApi.as_view(), name="binance-exchange-info"),
    path("api/v3/ticker/price", market.TickerPriceApi.as_view()),
    path("api/v3/ticker/bookTicker", book.BookTickerApi.as_view()),
    path("api/v3/depth", book.DepthApi.as_view()),
    path("api/v3/ticker/24hr", market.Ticker24hrApi.as_view()),
    path("api/v3/klines", market.KlinesApi.as_view()),
    path("api/v3/avgPrice", reference.AvgPriceApi.as_view()),
    path("api/v3/account", accounts.SpotAccountApi.as_view()),
    # Spot trading on the spot wallet.
    path("api/v3/order", orders.SpotOrderApi.as_view(), name="binance-spot-order"),
    path("api/v3/order/test", orders.SpotOrderTestApi.as_view()),
    path("api/v3/openOrders", orders.SpotOpenOrdersApi.as_view()),
    path("api/v3/allOrders", orders.SpotAllOrdersApi.as_view()),
    path("api/v3/myTrades", orders.SpotMyTradesApi.as_view()),
    path("api/v3/order/oco", spot_order_lists.SpotOcoApi.as_view()),
    path("api/v3/orderList/oco", spot_order_lists.SpotOrderListOcoApi.as_view()),
    path("api/v3/orderList", spot_order_lists.SpotOrderListApi.as_view()),
    path("api/v3/allOrderList", spot_order_lists.SpotAllOrderListApi.as_view()),
    path("api/v3/openOrderList", spot_order_lists.SpotOpenOrderListApi.as_view()),
    # Futures: none are listed, but ccxt's load_markets() asks.
    path("fapi/v1/ping", market.PingApi.as_view()),
    path("fapi/v1/time", market.TimeApi.as_view()),
    path("fapi/v1/exchangeInfo", market.FuturesExchangeInfoApi.as_view()),
    path("dapi/v1/ping", market.PingApi.as_view()),
    path("dapi/v1/time", market.TimeApi.as_view()),
    path("dapi/v1/exchangeInfo", market.FuturesExchangeInfoApi.as_view()),
    # Margin accounts.
    path("sapi/v1/margin/account", accounts.MarginAccountApi.as_view(), name="binance-margin-account"),
    path("sapi/v1/margin/isolated/account", accounts.IsolatedAccountApi.as_view()),
    path("sapi/v1/margin/isolated/create", accounts.IsolatedCreateApi.as_view()),
    path("sapi/v1/margin/isolated/accountLimit", accounts.IsolatedAccountLimitApi.as_view()),
    path("sapi/v1/margin/allPairs", accounts.MarginPairsApi.as_view()),
    path("sapi/v1/margin/isolated/allPairs", accounts.IsolatedPairsApi.as_view()),
    path("sapi/v1/margin/allAssets", accounts.MarginAssetsApi.as_view()),
    path("sapi/v1/margin/priceIndex", accounts.PriceIndexApi.as_view()),
    path("sapi/v1/capital/config/getall", accounts.CapitalConfigApi.as_view()),
    path("sapi/v1/margin/asset", reference.MarginAssetApi.as_view()),
    path("sapi/v1/margin/pair", reference.MarginPairApi.as_view()),
    path("sapi/v1/margin/isolated/pair", reference.IsolatedPairApi.as_view()),
    path("sapi/v1/margin/crossMarginData", reference.CrossMarginDataApi.as_view()),
    path("sapi/v1/margin/isolatedMarginData", reference.IsolatedMarginDataApi.as_view()),
    path("sapi/v1/margin/isolatedMarginTier", reference.IsolatedMarginTierApi.as_view()),
    path("sapi/v1/asset/tradeFee", reference.TradeFeeApi.as_view()),
    path("sapi/v1/system/status", reference.SystemStatusApi.as_view()),
    # Records.
    path("sapi/v1/margin/interestHistory", records.InterestHistoryApi.as_view()),
    path("sapi/v1/margin/forceLiquidationRec", records.ForceLiquidationRecApi.as_view()),
    # Orders and trades.
    path("sapi/v1/margin/order", orders.MarginOrderApi.as_view(), name="binance-margin-order"),
    path("sapi/v1/margin/openOrders", orders.OpenOrdersApi.as_view()),
    path("sapi/v1/margin/allOrders", orders.AllOrdersApi.as_view()),
    path("sapi/v1/margin/myTrades", orders.MyTradesApi.as_view()),
    path("sapi/v1/margin/order/oco", order_lists.MarginOcoApi.as_view()),
    path("sapi/v1/margin/orderList", order_lists.MarginOrderListApi.as_view()),
    path("sapi/v1/margin/allOrderList", order_lists.MarginAllOrderListApi.as_view()),
    path("sapi/v1/margin/openOrderList", order_lists.MarginOpenOrderListApi.as_view()),
    # Borrowing and repaying.
    path("sapi/v1/margin/borrow-repay", wallet.BorrowRepayApi.as_view()),
    path("sapi/v1/margin/loan", wallet.LoanApi.as_view()),
    path("sapi/v1/margin/repay", wallet.RepayApi.as_view()),
    path("sapi/v1/margin/maxBorrowable", wallet.MaxBorrowableApi.as_view()),
    path("sapi/v1/margin/maxTransferable", wallet.MaxTransferableApi.as_view()),
    path("sapi/v1/margin/interestRateHistory", interest.InterestRateHistoryApi.as_view()),
    # Transfers.
    path("sapi/v1/asset/transfer", wallet.UniversalTransferApi.as_view()),
    path("sapi/v1/margin/transfer", wallet.MarginTransferApi.as_view()),
    path("sapi/v1/margin/isolated/transfer", wallet.IsolatedTransferApi.as_view()),
    # Anything else under Binance's prefixes answers in Binance's shape.
    re_path(r"^(?:api/v3|sapi|fapi|dapi)/", base.UnsupportedApi.as_view()),
]
