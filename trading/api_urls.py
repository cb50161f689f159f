from django.urls import path

from trading import apis

urlpatterns = [
    path("auth/register", apis.RegisterApi.as_view(), name="api-register"),
    path("markets", apis.MarketListApi.as_view(), name="api-markets"),
    path("assets", apis.AssetListApi.as_view(), name="api-assets"),
    path("assets/<code:code>/interest-rates", apis.InterestRateListApi.as_view(), name="api-interest-rates"),
    path("markets/<code:symbol>/depth", apis.DepthApi.as_view(), name="api-market-depth"),
    path("prices", apis.PriceListApi.as_view(), name="api-prices"),
    path("prices/<code:symbol>/history", apis.PriceHistoryApi.as_view(), name="api-price-history"),
    path("accounts", apis.AccountListApi.as_view(), name="api-accounts"),
    path("accounts/isolated", apis.IsolatedAccountCreateApi.as_view(), name="api-accounts-isolated"),
    path("accounts/<id:account_id>", apis.AccountDetailApi.as_view(), name="api-account"),
    path("accounts/<id:account_id>/reset", apis.AccountResetApi.as_view(), name="api-account-reset"),
    path("accounts/<id:account_id>/positions", apis.AccountPositionListApi.as_view(), name="api-account-positions"),
    path("accounts/<id:account_id>/max-borrowable", apis.MaxBorrowableApi.as_view(), name="api-max-borrowable"),
    path("accounts/<id:account_id>/max-transferable", apis.MaxTransferableApi.as_view(), name="api-max-transferable"),
    path("accounts/<id:account_id>/max-repayable", apis.MaxRepayableApi.as_view(), name="api-max-repayable"),
    path("positions", apis.PositionListApi.as_view(), name="api-positions"),
    path("transfers", apis.TransferApi.as_view(), name="api-transfers"),
    path("loans", apis.LoanApi.as_view(), name="api-loans"),
    path("repayments", apis.RepaymentApi.as_view(), name="api-repayments"),
    path("orders", apis.OrderApi.as_view(), name="api-orders"),
    path("orders/preview", apis.OrderPreviewApi.as_view(), name="api-order-preview"),
    path("orders/<id:order_id>", apis.OrderDetailApi.as_view(), name="api-order"),
    path("trades", apis.TradeListApi.as_view(), name="api-trades"),
    path("ledger", apis.LedgerApi.as_view(), name="api-ledger"),
    path("admin/settings", apis.PlatformSettingsApi.as_view(), name="api-admin-settings"),
    path("admin/assets/<code:code>", apis.AssetAdminApi.as_view(), name="api-admin-asset"),
]
