"""Binance's paths, mounted at the site's root (config/urls.py): /api/v3, /sapi, /fapi and /dapi."""

from django.urls import path, re_path

from trading.binance import apis

urlpatterns = [
    # Spot market data (public), and the spot wallet.
    path("api/v3/ping", apis.PingApi.as_view()),
    path("api/v3/time", apis.TimeApi.as_view()),
    path("api/v3/exchangeInfo", apis.ExchangeInfoApi.as_view(), name="binance-exchange-info"),
    path("api/v3/ticker/price", apis.TickerPriceApi.as_view()),
    path("api/v3/ticker/bookTicker", apis.BookTickerApi.as_view()),
    path("api/v3/ticker/24hr", apis.Ticker24hrApi.as_view()),
    path("api/v3/klines", apis.KlinesApi.as_view()),
    path("api/v3/account", apis.SpotAccountApi.as_view()),
    # Futures: none are listed, but ccxt's load_markets() asks.
    path("fapi/v1/ping", apis.PingApi.as_view()),
    path("fapi/v1/time", apis.TimeApi.as_view()),
    path("fapi/v1/exchangeInfo", apis.FuturesExchangeInfoApi.as_view()),
    path("dapi/v1/ping", apis.PingApi.as_view()),
    path("dapi/v1/time", apis.TimeApi.as_view()),
    path("dapi/v1/exchangeInfo", apis.FuturesExchangeInfoApi.as_view()),
    # Margin accounts.
    path("sapi/v1/margin/account", apis.MarginAccountApi.as_view(), name="binance-margin-account"),
    path("sapi/v1/margin/isolated/account", apis.IsolatedAccountApi.as_view()),
    path("sapi/v1/margin/isolated/create", apis.IsolatedCreateApi.as_view()),
    path("sapi/v1/margin/isolated/accountLimit", apis.IsolatedAccountLimitApi.as_view()),
    path("sapi/v1/margin/allPairs", apis.MarginPairsApi.as_view()),
    path("sapi/v1/margin/isolated/allPairs", apis.IsolatedPairsApi.as_view()),
    path("sapi/v1/margin/allAssets", apis.MarginAssetsApi.as_view()),
    path("sapi/v1/margin/priceIndex", apis.PriceIndexApi.as_view()),
    path("sapi/v1/capital/config/getall", apis.CapitalConfigApi.as_view()),
    # Orders and trades.
    path("sapi/v1/margin/order", apis.MarginOrderApi.as_view(), name="binance-margin-order"),
    path("sapi/v1/margin/openOrders", apis.OpenOrdersApi.as_view()),
    path("sapi/v1/margin/allOrders", apis.AllOrdersApi.as_view()),
    path("sapi/v1/margin/myTrades", apis.MyTradesApi.as_view()),
    # Borrowing and repaying.
    path("sapi/v1/margin/borrow-repay", apis.BorrowRepayApi.as_view()),
    path("sapi/v1/margin/loan", apis.LoanApi.as_view()),
    path("sapi/v1/margin/repay", apis.RepayApi.as_view()),
    path("sapi/v1/margin/maxBorrowable", apis.MaxBorrowableApi.as_view()),
    # Transfers.
    path("sapi/v1/asset/transfer", apis.UniversalTransferApi.as_view()),
    path("sapi/v1/margin/transfer", apis.MarginTransferApi.as_view()),
    path("sapi/v1/margin/isolated/transfer", apis.IsolatedTransferApi.as_view()),
    # Anything else under Binance's prefixes answers in Binance's shape.
    re_path(r"^(?:api/v3|sapi|fapi|dapi)/", apis.UnsupportedApi.as_view()),
]
