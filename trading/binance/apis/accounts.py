"""The spot wallet, the cross and isolated margin accounts, and what they may trade."""

from __future__ import annotations

from rest_framework.response import Response

from core.errors import Conflict
from trading import selectors as trading_selectors
from trading.binance import errors, formats, selectors
from trading.binance.apis.base import MARKET_DATA, TRADE, USER_DATA, BinanceApi
from trading.binance.auth import now_ms
from trading.binance.markets import current_market_id
from trading.models import AccountKind
from trading.services import accounts as account_services


class SpotAccountApi(BinanceApi):
    """/api/v3/account: the spot wallet's funds (what ccxt's fetch_balance() reads by default)."""

    security = USER_DATA
    weight = 20

    def get(self, request):
        summary = trading_selectors.account_summary_get(account=selectors.spot_account_get(user=request.user))
        return Response(
            formats.spot_account(
                user=request.user,
                summary=summary,
                assets=selectors.assets(),
                settings=trading_selectors.market_settings_get(current_market_id()),
                now=now_ms(),
            )
        )


# --- margin accounts -----------------------------------------------------------------------------------


class MarginAccountApi(BinanceApi):
    security = USER_DATA
    weight = 10

    def get(self, request):
        account = selectors.cross_account_get(user=request.user)
        prices = trading_selectors.mark_prices()
        summary = trading_selectors.account_summary_get(account=account, prices=prices)
        return Response(formats.cross_account(summary=summary, assets=selectors.assets(), btc_price=prices.get("BTC")))


class IsolatedAccountApi(BinanceApi):
    """GET: the isolated accounts (all, or ``symbols=A,B`` up to 5); POST: enable one for ``symbol``."""

    security = {"GET": USER_DATA, "POST": TRADE}
    weight = {"GET": 10, "POST": 1}
    uid_weight = {"GET": 0, "POST": 300}
    action = "account"

    def get(self, request):
        p = self.params
        symbols = p.comma_list("symbols", maximum=5)
        wanted = {pair.symbol for pair in selectors.pairs(symbols)} if symbols else None
        prices = trading_selectors.mark_prices()
        summaries = [
            s
            for s in selectors.summaries_for(user=request.user, kinds=(AccountKind.ISOLATED,), prices=prices)
            if wanted is None or s.account.pair.symbol in wanted
        ]
        btc = prices.get("BTC")
        entries = []
        for summary in summaries:
            base = summary.account.pair.base.code
            positions = trading_selectors.positions_of(summary, prices)
            liquidation = next((pos.liquidation_price for pos in positions if pos.asset == base), None)
            entries.append(
                formats.isolated_account(summary=summary, prices=prices, liquidation_price=liquidation, btc_price=btc)
            )
        answer = {"assets": entries}
        if symbols is None:
            answer |= formats.isolated_totals(summaries, btc)
        return Response(answer)

    def post(self, request):
        return Response(_isolated_enable(request.user, self.params.symbol(required=True)))


def _isolated_enable(user, symbol: str) -> dict:
    """Enabling an enabled account is no error: the caller gets what it asked for."""
    try:
        account = account_services.isolated_account_open(user=user, symbol=symbol, market=current_market_id())
        symbol = account.isolated_pair.symbol
    except Conflict as exc:
        if exc.code != "isolated_exists":
            raise
        symbol = trading_selectors.pair_get(symbol=symbol, market=current_market_id()).symbol
    return {"success": True, "symbol": symbol}


class IsolatedCreateApi(BinanceApi):
    """The older POST margin/isolated/create (base + quote), which python-binance still calls."""

    security = TRADE
    uid_weight = 300
    action = "account"

    def post(self, request):
        p = self.params
        return Response(
            _isolated_enable(request.user, p.symbol("base", required=True) + p.symbol("quote", required=True))
        )


class IsolatedAccountLimitApi(BinanceApi):
    security = USER_DATA

    def get(self, request):
        return Response(
            {
                "enabledAccount": selectors.isolated_accounts(user=request.user).count(),
                "maxAccount": trading_selectors.platform_settings_get().isolated_account_limit,
            }
        )


class MarginPairsApi(BinanceApi):
    security = MARKET_DATA
    isolated = False

    def get(self, request):
        p = self.params
        pairs = selectors.margin_pairs(isolated=self.isolated)
        if "symbol" in p:
            pairs = [pair for pair in pairs if pair.symbol == p.symbol().upper()]
            if not pairs:
                raise errors.BinanceError(errors.BAD_SYMBOL)
        return Response([formats.margin_pair(pair, isolated=self.isolated) for pair in pairs])


class IsolatedPairsApi(MarginPairsApi):
    weight = 10
    isolated = True


class MarginAssetsApi(BinanceApi):
    security = MARKET_DATA

    def get(self, request):
        return Response([formats.margin_asset(asset) for asset in selectors.assets()])


class PriceIndexApi(BinanceApi):
    security = MARKET_DATA
    weight = 10

    def get(self, request):
        pair = selectors.pair_get(self.params.symbol(required=True))
        price = trading_selectors.mark_price_get(pair=pair)
        return Response({"calcTime": now_ms(), "price": formats.amount(price), "symbol": pair.symbol})


class CapitalConfigApi(BinanceApi):
    """capital/config/getall: ccxt's fetch_currencies() reads it whenever keys are set."""

    security = USER_DATA
    weight = 10

    def get(self, request):
        spot = selectors.spot_account_get(user=request.user)
        balances = {b.asset_id: b for b in spot.balances.all()}
        return Response([formats.coin(asset, balances.get(asset.pk)) for asset in selectors.assets()])


# --- orders and trades -------------------------------------------------------------------------------
