"""Binance's field names and formats: amounts and prices as strings with 8 decimals, times in milliseconds.

Pure shaping of what the selectors read; no rule is decided here. The shapes follow Binance's documented
answers (spot /api/v3 and margin /sapi/v1), so that ccxt's parsers and bots that read fields by name work.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from core.money import Q8
from trading.margin import Status
from trading.models import AccountKind, Asset, Balance, Order, Pair, Trade
from trading.selectors import AccountSummary
from trading.services.common import MAX_AMOUNT

ZERO = Decimal(0)
# Binance's cross margin account shows this margin level while there is no debt.
NO_DEBT_MARGIN_LEVEL = Decimal(999)
ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"]
MARGIN_LEVEL_STATUS = {
    Status.NORMAL: "NORMAL",
    Status.MARGIN_CALL: "MARGIN_CALL",
    Status.LIQUIDATION: "FORCE_LIQUIDATION",
}


def amount(value) -> str:
    """``Decimal("0.001")`` -> ``"0.00100000"``, as Binance writes every amount and price."""
    with localcontext(prec=80):
        return f"{Decimal(value or 0).quantize(Q8, rounding=ROUND_HALF_UP):f}"


def ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else 0


def _ratio(numerator: Decimal, denominator: Decimal | None) -> Decimal:
    return numerator / denominator if denominator else ZERO


# --- market data --------------------------------------------------------------------------------------


def symbol_info(pair: Pair) -> dict:
    """One entry of exchangeInfo's ``symbols``, with the filters the order services enforce."""
    return {
        "symbol": pair.symbol,
        "status": "TRADING" if pair.is_active else "BREAK",
        "baseAsset": pair.base.code,
        "baseAssetPrecision": 8,
        "quoteAsset": pair.quote.code,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ORDER_TYPES,
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": False,
        "isMarginTradingAllowed": pair.is_active and pair.margin_enabled,
        "filters": [
            # No upper bounds but the services' largest amount (trading.services.common.MAX_AMOUNT).
            {
                "filterType": "PRICE_FILTER",
                "minPrice": amount(pair.tick_size),
                "maxPrice": amount(MAX_AMOUNT - pair.tick_size),
                "tickSize": amount(pair.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": amount(pair.min_qty),
                "maxQty": amount(MAX_AMOUNT - pair.step_size),
                "stepSize": amount(pair.step_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": amount(pair.min_notional),
                "applyMinToMarket": True,
                "avgPriceMins": 0,
            },
        ],
        "permissions": [],
        "permissionSets": [["MARGIN"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


def rate_limits(ip_limit: int) -> list[dict]:
    return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": ip_limit}]


def exchange_info(*, pairs: list[Pair], server_time: int, ip_limit: int) -> dict:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": rate_limits(ip_limit),
        "exchangeFilters": [],
        "symbols": [symbol_info(pair) for pair in pairs],
    }


def futures_exchange_info(*, server_time: int, ip_limit: int) -> dict:
    """fapi/dapi exchangeInfo: MarginLab lists no futures (yet), so no assets and no symbols."""
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": rate_limits(ip_limit),
        "exchangeFilters": [],
        "assets": [],
        "symbols": [],
    }


def price_ticker(symbol: str, price: Decimal) -> dict:
    return {"symbol": symbol, "price": amount(price)}


def book_ticker(symbol: str, *, bid: Decimal, ask: Decimal) -> dict:
    """The paper market has no book: its bid and ask are what a market order would fill at now."""
    return {
        "symbol": symbol,
        "bidPrice": amount(bid),
        "bidQty": amount(0),
        "askPrice": amount(ask),
        "askQty": amount(0),
    }


def ticker_24hr(stats, *, bid: Decimal, ask: Decimal, open_time: int, close_time: int) -> dict:
    """``stats``: a ``selectors.DayStats`` (prices from the mark-price candles, volume from the fills)."""
    change = stats.last - stats.open
    return {
        "symbol": stats.symbol,
        "priceChange": amount(change),
        "priceChangePercent": f"{(_ratio(change * 100, stats.open)).quantize(Decimal('0.001'), ROUND_HALF_UP):f}",
        "weightedAvgPrice": amount(_ratio(stats.quote_volume, stats.volume) or stats.last),
        "prevClosePrice": amount(stats.open),
        "lastPrice": amount(stats.last),
        "lastQty": amount(0),
        "bidPrice": amount(bid),
        "bidQty": amount(0),
        "askPrice": amount(ask),
        "askQty": amount(0),
        "openPrice": amount(stats.open),
        "highPrice": amount(stats.high),
        "lowPrice": amount(stats.low),
        "volume": amount(stats.volume),
        "quoteVolume": amount(stats.quote_volume),
        "openTime": open_time,
        "closeTime": close_time,
        "firstId": stats.first_trade_id if stats.first_trade_id is not None else -1,
        "lastId": stats.last_trade_id if stats.last_trade_id is not None else -1,
        "count": stats.count,
    }


def kline(candle) -> list:
    """``candle``: a ``selectors.Kline``. Volumes are zero: the paper market's prices are marks, not trades."""
    return [
        candle.open_time,
        amount(candle.open),
        amount(candle.high),
        amount(candle.low),
        amount(candle.close),
        amount(0),
        candle.close_time,
        amount(0),
        0,
        amount(0),
        amount(0),
        "0",
    ]


def margin_pair(pair: Pair, *, isolated: bool) -> dict:
    entry = {
        "base": pair.base.code,
        "isBuyAllowed": pair.is_active,
        "isMarginTrade": pair.margin_enabled,
        "isSellAllowed": pair.is_active,
        "quote": pair.quote.code,
        "symbol": pair.symbol,
    }
    return entry if isolated else {"id": pair.pk, **entry}


def margin_asset(asset: Asset) -> dict:
    return {
        "assetFullName": asset.name or asset.code,
        "assetName": asset.code,
        "isBorrowable": asset.borrowable,
        "isMortgageable": True,
        "userMinBorrow": amount(0),
        "userMinRepay": amount(0),
        "delistTime": None,
    }


def coin(asset: Asset, balance: Balance | None) -> dict:
    """capital/config/getall: paper money cannot be deposited or withdrawn; one "network" gives the precision."""
    return {
        "coin": asset.code,
        "name": asset.name or asset.code,
        "depositAllEnable": False,
        "withdrawAllEnable": False,
        "free": amount(balance.free if balance else 0),
        "locked": amount(balance.locked if balance else 0),
        "freeze": amount(0),
        "withdrawing": amount(0),
        "ipoing": amount(0),
        "ipoable": amount(0),
        "storage": amount(0),
        "isLegalMoney": False,
        "trading": True,
        "networkList": [
            {
                "network": "MARGINLAB",
                "coin": asset.code,
                "name": "MarginLab paper money",
                "withdrawIntegerMultiple": amount(Q8),
                "isDefault": True,
                "depositEnable": False,
                "withdrawEnable": False,
                "depositDesc": "Paper money: it comes from the starting balance.",
                "withdrawDesc": "Paper money cannot leave MarginLab.",
                "specialTips": "",
                "resetAddressStatus": False,
                "addressRegex": "",
                "memoRegex": "",
                "withdrawFee": amount(0),
                "withdrawMin": amount(0),
                "withdrawMax": amount(0),
                "minConfirm": 0,
                "unLockConfirm": 0,
                "sameAddress": False,
                "busy": False,
            }
        ],
    }


# --- accounts -----------------------------------------------------------------------------------------


def _in_btc(value: Decimal, btc_price: Decimal | None) -> str:
    return amount(_ratio(value, btc_price))


def user_asset(asset: Asset, balance: Balance | None) -> dict:
    free, locked = (balance.free, balance.locked) if balance else (ZERO, ZERO)
    borrowed, interest = (balance.borrowed, balance.interest) if balance else (ZERO, ZERO)
    return {
        "asset": asset.code,
        "borrowed": amount(borrowed),
        "free": amount(free),
        "interest": amount(interest),
        "locked": amount(locked),
        "netAsset": amount(free + locked - borrowed - interest),
    }


def spot_account(*, user, summary: AccountSummary, assets: list[Asset], now: int) -> dict:
    """/api/v3/account: the spot wallet (it trades nothing here, but bots read their funds from it)."""
    balances = {b.asset_id: b for b in summary.balances}
    return {
        "makerCommission": 0,
        "takerCommission": 0,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "canTrade": False,
        "canWithdraw": False,
        "canDeposit": False,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": now,
        "accountType": "SPOT",
        "balances": [
            {"asset": a.code, "free": amount(balances[a.pk].free), "locked": amount(balances[a.pk].locked)}
            if a.pk in balances
            else {"asset": a.code, "free": amount(0), "locked": amount(0)}
            for a in assets
        ],
        "permissions": ["SPOT"],
        "uid": user.pk,
    }


def cross_account(*, summary: AccountSummary, assets: list[Asset], btc_price: Decimal | None) -> dict:
    balances = {b.asset_id: b for b in summary.balances}
    valuation = summary.valuation
    enabled = not summary.account.is_frozen
    return {
        "created": True,
        "borrowEnabled": enabled,
        "marginLevel": amount(summary.margin_level if summary.margin_level is not None else NO_DEBT_MARGIN_LEVEL),
        "collateralMarginLevel": amount(
            summary.margin_level if summary.margin_level is not None else NO_DEBT_MARGIN_LEVEL
        ),
        "totalAssetOfBtc": _in_btc(valuation.assets, btc_price),
        "totalLiabilityOfBtc": _in_btc(valuation.debt, btc_price),
        "totalNetAssetOfBtc": _in_btc(valuation.equity, btc_price),
        "TotalCollateralValueInUSDT": amount(valuation.assets),
        "totalOpenOrderLossInUsdt": amount(0),
        "tradeEnabled": enabled,
        "transferEnabled": enabled,
        "transferInEnabled": enabled,
        "transferOutEnabled": enabled,
        "accountType": "MARGIN_1",
        "userAssets": [user_asset(asset, balances.get(asset.pk)) for asset in assets],
    }


def _isolated_asset(asset: Asset, balance: Balance | None, *, price: Decimal, btc_price: Decimal | None) -> dict:
    entry = user_asset(asset, balance)
    gross = (balance.free + balance.locked) if balance else ZERO
    net = balance.net if balance else ZERO
    return {
        **entry,
        "borrowEnabled": asset.borrowable,
        "netAssetOfBtc": _in_btc(net * price, btc_price),
        "repayEnabled": True,
        "totalAsset": amount(gross),
    }


def isolated_account(
    *, summary: AccountSummary, prices: dict[str, Decimal], liquidation_price: Decimal | None, btc_price
) -> dict:
    account = summary.account
    pair = account.isolated_pair
    balances = {b.asset_id: b for b in summary.balances}
    level = summary.margin_level
    return {
        "baseAsset": _isolated_asset(
            pair.base, balances.get(pair.base_id), price=prices.get(pair.base.code, ZERO), btc_price=btc_price
        ),
        "quoteAsset": _isolated_asset(
            pair.quote, balances.get(pair.quote_id), price=prices.get(pair.quote.code, ZERO), btc_price=btc_price
        ),
        "symbol": pair.symbol,
        "isolatedCreated": True,
        "enabled": True,
        "marginLevel": amount(level if level is not None else NO_DEBT_MARGIN_LEVEL),
        "marginLevelStatus": MARGIN_LEVEL_STATUS[summary.status] if level is not None else "EXCESSIVE",
        "marginRatio": amount(account.leverage or 0),
        "indexPrice": amount(prices.get(pair.base.code, ZERO)),
        "liquidatePrice": amount(liquidation_price or 0),
        "liquidateRate": amount(summary.ratios.liquidation if summary.ratios else 0),
        "tradeEnabled": not account.is_frozen,
    }


def isolated_totals(summaries: list[AccountSummary], btc_price: Decimal | None) -> dict:
    assets = sum((s.valuation.assets for s in summaries), ZERO)
    debt = sum((s.valuation.debt for s in summaries), ZERO)
    return {
        "totalAssetOfBtc": _in_btc(assets, btc_price),
        "totalLiabilityOfBtc": _in_btc(debt, btc_price),
        "totalNetAssetOfBtc": _in_btc(assets - debt, btc_price),
    }


# --- orders and trades --------------------------------------------------------------------------------


def _is_isolated(order: Order) -> bool:
    return order.account.kind == AccountKind.ISOLATED


def _orig_qty(order: Order) -> Decimal:
    # A MARKET order by quote quantity has no quantity of its own: Binance shows what it bought.
    return order.quantity if order.quantity is not None else order.executed_qty


def _order_state(order: Order) -> dict:
    return {
        "price": amount(order.price),
        "origQty": amount(_orig_qty(order)),
        "executedQty": amount(order.executed_qty),
        "cummulativeQuoteQty": amount(order.cummulative_quote_qty),
        "status": order.status,
        "timeInForce": order.time_in_force or "GTC",
        "type": order.type,
        "side": order.side,
    }


def order(order: Order) -> dict:
    """GET margin/order, openOrders, allOrders."""
    return {
        "symbol": order.pair.symbol,
        "orderId": order.pk,
        "clientOrderId": order.client_order_id,
        **_order_state(order),
        "stopPrice": amount(order.stop_price),
        "icebergQty": amount(0),
        "time": ms(order.created_at),
        "updateTime": ms(order.updated_at),
        "isWorking": order.is_working,
        "isIsolated": _is_isolated(order),
        "selfTradePreventionMode": "NONE",
    }


def fill(trade: Trade) -> dict:
    return {
        "price": amount(trade.price),
        "qty": amount(trade.quantity),
        "commission": amount(trade.fee),
        "commissionAsset": trade.fee_asset.code,
        "tradeId": trade.pk,
    }


def new_order(order: Order, *, response_type: str, trades: list[Trade]) -> dict:
    """POST margin/order in its three sizes: ACK, RESULT and FULL (RESULT with the fills)."""
    answer = {
        "symbol": order.pair.symbol,
        "orderId": order.pk,
        "clientOrderId": order.client_order_id,
        "isIsolated": _is_isolated(order),
        "transactTime": ms(order.updated_at),
    }
    if response_type == "ACK":
        return answer
    answer |= _order_state(order) | {"selfTradePreventionMode": "NONE"}
    if order.borrowed_amount:
        # Present only when the order borrowed (MARGIN_BUY / AUTO_BORROW_REPAY), as on Binance.
        answer["marginBuyBorrowAmount"] = amount(order.borrowed_amount)
        answer["marginBuyBorrowAsset"] = order.borrowed_asset.code if order.borrowed_asset else ""
    if response_type == "FULL":
        answer["fills"] = [fill(trade) for trade in trades]
    return answer


def cancelled_order(order: Order, *, client_order_id: str) -> dict:
    return {
        "symbol": order.pair.symbol,
        "isIsolated": _is_isolated(order),
        "orderId": order.pk,
        "origClientOrderId": order.client_order_id,
        "clientOrderId": client_order_id,
        **_order_state(order),
    }


def trade(trade: Trade) -> dict:
    return {
        "commission": amount(trade.fee),
        "commissionAsset": trade.fee_asset.code,
        "id": trade.pk,
        "isBestMatch": True,
        "isBuyer": trade.side == Order.Side.BUY,
        "isMaker": trade.is_maker,
        "orderId": trade.order_id,
        "price": amount(trade.price),
        "qty": amount(trade.quantity),
        "quoteQty": amount(trade.quote_quantity),
        "symbol": trade.pair.symbol,
        "isIsolated": trade.account.kind == AccountKind.ISOLATED,
        "time": ms(trade.created_at),
    }
