from django.urls import path

from futures import apis
from futures.apis.preview import FuturesOrderPreviewApi

urlpatterns = [
    path("futures/wallet", apis.FuturesWalletApi.as_view(), name="api-futures-wallet"),
    path("futures/transfers", apis.FuturesTransferApi.as_view(), name="api-futures-transfers"),
    path("futures/symbols", apis.FuturesSymbolListApi.as_view(), name="api-futures-symbols"),
    path("futures/leverage", apis.FuturesLeverageApi.as_view(), name="api-futures-leverage"),
    path("futures/margin-type", apis.FuturesMarginTypeApi.as_view(), name="api-futures-margin-type"),
    path("futures/position-mode", apis.FuturesPositionModeApi.as_view(), name="api-futures-position-mode"),
    path("futures/orders", apis.FuturesOrderApi.as_view(), name="api-futures-orders"),
    path("futures/orders/preview", FuturesOrderPreviewApi.as_view(), name="api-futures-order-preview"),
    path("futures/orders/<id:order_id>", apis.FuturesOrderDetailApi.as_view(), name="api-futures-order"),
    path("futures/positions", apis.FuturesPositionListApi.as_view(), name="api-futures-positions"),
    path("futures/positions/margin", apis.FuturesPositionMarginApi.as_view(), name="api-futures-position-margin"),
    path("futures/income", apis.FuturesIncomeApi.as_view(), name="api-futures-income"),
    path("futures/funding-rates", apis.FuturesFundingRateApi.as_view(), name="api-futures-funding-rates"),
]
