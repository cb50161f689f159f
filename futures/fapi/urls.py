"""/fapi's paths (and the two /sapi transfers into and out of the futures wallet), mounted at the site's root
before ``trading.binance.urls`` (config/urls.py), whose catch-all answers every other /fapi path -1020."""

from django.urls import path

from futures.fapi.views import account, algo, market, trade, transfer
from trading.binance.apis.market import PingApi, TimeApi


def v(version: int, name: str) -> str:
    return f"fapi/v{version}/{name}"


urlpatterns = [
    # Market data (public).
    path(v(1, "ping"), PingApi.as_view()),
    path(v(1, "time"), TimeApi.as_view()),
    path(v(1, "exchangeInfo"), market.ExchangeInfoApi.as_view(), name="fapi-exchange-info"),
    path(v(1, "depth"), market.DepthApi.as_view()),
    path(v(1, "ticker/price"), market.TickerPriceApi.as_view()),
    path(v(2, "ticker/price"), market.TickerPriceApi.as_view()),
    path(v(1, "ticker/bookTicker"), market.BookTickerApi.as_view()),
    path(v(1, "ticker/24hr"), market.Ticker24hrApi.as_view()),
    path(v(1, "klines"), market.KlinesApi.as_view()),
    path(v(1, "markPriceKlines"), market.KlinesApi.as_view()),
    path(v(1, "premiumIndex"), market.PremiumIndexApi.as_view()),
    path(v(1, "fundingRate"), market.FundingRateApi.as_view()),
    path(v(1, "fundingInfo"), market.FundingInfoApi.as_view()),
    # Account, positions and settings.
    path(v(1, "leverageBracket"), account.LeverageBracketApi.as_view()),
    path(v(2, "account"), account.AccountApi.as_view(version=2)),
    path(v(3, "account"), account.AccountApi.as_view(version=3)),
    path(v(2, "balance"), account.BalanceApi.as_view()),
    path(v(3, "balance"), account.BalanceApi.as_view()),
    path(v(2, "positionRisk"), account.PositionRiskApi.as_view(version=2)),
    path(v(3, "positionRisk"), account.PositionRiskApi.as_view(version=3)),
    path(v(1, "symbolConfig"), account.SymbolConfigApi.as_view()),
    path(v(1, "accountConfig"), account.AccountConfigApi.as_view()),
    path(v(1, "leverage"), account.LeverageApi.as_view()),
    path(v(1, "marginType"), account.MarginTypeApi.as_view()),
    path(v(1, "positionMargin"), account.PositionMarginApi.as_view()),
    path(v(1, "positionMargin/history"), account.PositionMarginHistoryApi.as_view()),
    path(v(1, "income"), account.IncomeApi.as_view()),
    path(v(1, "positionSide/dual"), account.PositionSideDualApi.as_view()),
    path(v(1, "commissionRate"), account.CommissionRateApi.as_view()),
    # Orders and trades.
    path(v(1, "order"), trade.OrderApi.as_view(), name="fapi-order"),
    path(v(1, "batchOrders"), trade.BatchOrdersApi.as_view()),
    path(v(1, "openOrders"), trade.OpenOrdersApi.as_view()),
    path(v(1, "openOrder"), trade.OpenOrderApi.as_view()),
    path(v(1, "allOrders"), trade.AllOrdersApi.as_view()),
    path(v(1, "allOpenOrders"), trade.AllOpenOrdersApi.as_view()),
    path(v(1, "userTrades"), trade.UserTradesApi.as_view()),
    path(v(1, "forceOrders"), trade.ForceOrdersApi.as_view()),
    # Conditional orders through the algo service.
    path(v(1, "algoOrder"), algo.AlgoOrderApi.as_view(), name="fapi-algo-order"),
    path(v(1, "openAlgoOrders"), algo.OpenAlgoOrdersApi.as_view()),
    path(v(1, "allAlgoOrders"), algo.AllAlgoOrdersApi.as_view()),
    path(v(1, "algoOpenOrders"), algo.AlgoOpenOrdersApi.as_view()),
    # Transfers between the spot and the futures wallet.
    path("sapi/v1/asset/transfer", transfer.UniversalTransferApi.as_view()),
    path("sapi/v1/futures/transfer", transfer.FuturesTransferApi.as_view()),
]
