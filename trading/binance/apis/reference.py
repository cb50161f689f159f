"""What the platform offers, one item at a time: an asset, a pair, their rates and fees, the system status.

Binance's pages: margin/asset, margin/pair and margin/isolated/pair, the older one-item forms of
allAssets (https://developers.binance.com/docs/margin_trading/market-data/Get-All-Margin-Assets, which
takes ``asset``), allPairs (.../market-data/Get-All-Cross-Margin-Pairs, ``symbol``) and isolated/allPairs
(.../market-data/Get-All-Isolated-Margin-Symbol, ``symbol``); crossMarginData
(.../account/Query-Cross-Margin-Fee-Data), isolatedMarginData (.../account/Query-Isolated-Margin-Fee-Data) and
isolatedMarginTier (.../market-data/Query-Isolated-Margin-Tier-Data);
asset/tradeFee (https://developers.binance.com/docs/wallet/asset/trade-fee), system/status
(https://developers.binance.com/docs/wallet/others/system-status) and avgPrice
(https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints).
"""

from __future__ import annotations

from rest_framework.response import Response

from trading import selectors as trading_selectors
from trading.binance import errors, formats, selectors
from trading.binance.apis.base import MARKET_DATA, USER_DATA, BinanceApi
from trading.binance.auth import now_ms
from trading.binance.markets import current_market_id

# Everyone here is Binance's "VIP 0": one fee and one rate table for all users.
VIP_LEVEL = 0


def _asset_named(code: str):
    """A known asset's code in any case, else -3027 (Binance's "not a valid margin asset")."""
    found = [asset for asset in selectors.assets() if asset.code == code.upper()]
    if not found:
        raise errors.BinanceError(errors.NOT_MARGIN_ASSET)
    return found[0]


def _vip_level(p) -> None:
    """Only VIP 0 exists; another level answers -1130, as an out-of-range value does."""
    if p.integer("vipLevel", default=VIP_LEVEL, minimum=0, maximum=9) != VIP_LEVEL:
        raise errors.invalid_data("vipLevel")


class MarginAssetApi(BinanceApi):
    security = MARKET_DATA
    weight = 10

    def get(self, request):
        return Response(formats.margin_asset(_asset_named(self.params.required("asset"))))


class MarginPairApi(BinanceApi):
    security = MARKET_DATA
    weight = 10
    isolated = False

    def get(self, request):
        symbol = self.params.symbol(required=True).upper()
        found = [pair for pair in selectors.margin_pairs(isolated=self.isolated) if pair.symbol == symbol]
        if not found:
            selectors.pair_get(symbol)  # an unknown symbol is -1121; a known one without margin -3028
            raise errors.BinanceError(errors.NOT_MARGIN_PAIR)
        return Response(formats.margin_pair(found[0], isolated=self.isolated))


class IsolatedPairApi(MarginPairApi):
    security = USER_DATA
    isolated = True


class CrossMarginDataApi(BinanceApi):
    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        _vip_level(p)
        assets = [_asset_named(p.required("coin"))] if "coin" in p else selectors.assets()
        pairs = selectors.margin_pairs(isolated=False)
        return Response([formats.cross_margin_data(asset, pairs=pairs, vip_level=VIP_LEVEL) for asset in assets])


class IsolatedMarginDataApi(BinanceApi):
    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        _vip_level(p)
        pairs = selectors.margin_pairs(isolated=True)
        if "symbol" in p:
            symbol = selectors.pair_get(p.symbol()).symbol
            pairs = [pair for pair in pairs if pair.symbol == symbol]
            if not pairs:
                raise errors.BinanceError(errors.NOT_MARGIN_PAIR)
        return Response([formats.isolated_margin_data(pair, vip_level=VIP_LEVEL) for pair in pairs])


class IsolatedMarginTierApi(BinanceApi):
    """isolatedMarginTier: a pair's tiered leverage, every tier or ``tier``'s (an unknown tier: an empty list)
    (https://developers.binance.com/docs/margin_trading/market-data/Query-Isolated-Margin-Tier-Data; the
    rules: ``trading.margin.tiers``). Binance's pair has one leverage; here it is the caller's isolated
    account's leverage, or the pair's maximum when the caller has none."""

    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        symbol = selectors.pair_get(p.symbol(required=True)).symbol  # illegal: -1100, unknown: -1121
        tier = p.integer("tier", minimum=1, maximum=MAX_TIER)
        found = [pair for pair in selectors.margin_pairs(isolated=True) if pair.symbol == symbol]
        if not found:
            raise errors.BinanceError(errors.NOT_MARGIN_PAIR)
        pair = found[0]
        account = trading_selectors.isolated_account_get_for_user(user=request.user, symbol=symbol)
        leverage = account.leverage if account is not None and account.leverage else pair.max_leverage
        profile_id = trading_selectors.market_settings_get(current_market_id()).risk_profile_id
        rows = trading_selectors.tier_table_get(pair=pair, leverage=leverage, profile_id=profile_id)
        return Response([formats.isolated_margin_tier(pair, row) for row in rows if tier in (None, row.tier)])


# The most tiers a table has on Binance (10x pairs: 10); a larger ``tier`` is out of range (-1130).
MAX_TIER = 10


class TradeFeeApi(BinanceApi):
    """asset/tradeFee: every pair's fee, or ``symbol``'s (ccxt's fetch_trading_fees reads it)."""

    security = USER_DATA
    weight = 1

    def get(self, request):
        p = self.params
        pairs = selectors.pairs([p.symbol()] if "symbol" in p else None)
        settings = trading_selectors.market_settings_get(current_market_id())
        return Response([formats.trade_fee(pair, settings) for pair in pairs])


class SystemStatusApi(BinanceApi):
    def get(self, request):
        return Response({"status": 0, "msg": "normal"})


class AvgPriceApi(BinanceApi):
    """avgPrice: Binance averages the last 5 minutes' trades; the paper market averages its 1-minute marks."""

    weight = 2

    def get(self, request):
        pair = selectors.pair_get(self.params.symbol(required=True))
        price, close_time = selectors.avg_price(pair=pair, now_ms=now_ms())
        return Response({"mins": selectors.AVG_PRICE_MINUTES, "price": formats.amount(price), "closeTime": close_time})
