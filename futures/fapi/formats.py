"""/fapi's shapes from the futures selectors' values, each after the Binance page cited beside it: amounts as
strings with 8 decimals, times in ms (``trading.binance.formats``); what a paper market lacks (ADL, hedge
or multi-assets mode) is Binance's neutral value. Pure shaping: no rule is decided here."""

from __future__ import annotations

from decimal import Decimal

from futures import formulas as f
from futures.models import FuturesOrder, FuturesTrade, Income
from futures.selectors import AccountState, PositionRisk, SymbolInfo
from trading.binance.formats import amount, ms, rate_limits
from trading.services.common import MAX_AMOUNT

ZERO = Decimal(0)
ORDER_TYPES = [t.value for t in FuturesOrder.Type]
TIMES_IN_FORCE = [t.value for t in FuturesOrder.TimeInForce]
# Perpetuals have no delivery: Binance shows 2100-12-25 08:00 UTC.
PERPETUAL_DELIVERY_MS = 4133404800000


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal('0.0001')):f}"


def max_qty(info: SymbolInfo) -> Decimal:
    """The largest quantity an order may carry: below the services' largest amount, on the step."""
    return f.round_to(MAX_AMOUNT - info.symbol.step_size, info.symbol.step_size)


def symbol_entry(info: SymbolInfo) -> dict:
    """One perpetual of exchangeInfo, its filters those the order service enforces.

    The margin percents are the first leverage bracket's (Binance's maintMarginPercent and
    requiredMarginPercent); the full tiers are leverageBracket's.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information
    """
    symbol = info.symbol
    first = min(info.brackets, key=lambda b: b.floor) if info.brackets else None
    step = amount(symbol.step_size)
    lot = {"minQty": amount(symbol.min_qty or symbol.step_size), "maxQty": amount(max_qty(info)), "stepSize": step}
    return {
        "symbol": symbol.symbol,
        "pair": symbol.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": PERPETUAL_DELIVERY_MS,
        "onboardDate": 0,
        "status": "TRADING" if symbol.is_active else "BREAK",
        "maintMarginPercent": _percent(first.mmr) if first else "0.0000",
        "requiredMarginPercent": _percent(Decimal(1) / first.max_leverage) if first else "0.0000",
        "baseAsset": symbol.pair.base.code,
        "quoteAsset": symbol.pair.quote.code,
        "marginAsset": "USDT",
        "pricePrecision": max(0, -symbol.tick_size.normalize().as_tuple().exponent),
        "quantityPrecision": max(0, -symbol.step_size.normalize().as_tuple().exponent),
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": f"{symbol.liquidation_fee_rate:f}",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": amount(symbol.tick_size),
                "maxPrice": amount(MAX_AMOUNT - symbol.tick_size),
                "tickSize": amount(symbol.tick_size),
            },
            {"filterType": "LOT_SIZE", **lot},
            {"filterType": "MARKET_LOT_SIZE", **lot},
            {"filterType": "MIN_NOTIONAL", "notional": amount(symbol.min_notional)},
        ],
        "orderTypes": ORDER_TYPES,
        "timeInForce": TIMES_IN_FORCE,
    }


def exchange_info(*, infos: list[SymbolInfo], server_time: int, ip_limit: int) -> dict:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "futuresType": "U_MARGINED",
        "rateLimits": rate_limits(ip_limit),
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "0"}],
        "symbols": [symbol_entry(info) for info in infos],
    }


def brackets(info: SymbolInfo) -> dict:
    """leverageBracket: numbers, not strings, as Binance sends them.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets
    """
    return {
        "symbol": info.code,
        "notionalCoef": 1.0,
        "brackets": [
            {
                "bracket": level,
                "initialLeverage": b.max_leverage,
                "notionalCap": float(b.cap),
                "notionalFloor": float(b.floor),
                "maintMarginRatio": float(b.mmr),
                "cum": float(b.cum),
            }
            for level, b in enumerate(sorted(info.brackets, key=lambda b: b.floor), start=1)
        ],
    }


# --- orders and trades ----------------------------------------------------------------------------------


def order(o: FuturesOrder) -> dict:
    """GET order, openOrders, allOrders, openOrder and the answers of POST / DELETE order.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Order
    """
    return {
        "orderId": o.pk,
        "symbol": o.symbol.symbol,
        "status": o.status,
        "clientOrderId": o.client_order_id,
        "price": amount(o.price),
        "avgPrice": amount(o.avg_price),
        "origQty": amount(o.orig_qty),
        "executedQty": amount(o.executed_qty),
        "cumQty": amount(o.executed_qty),
        "cumQuote": amount(o.cum_quote),
        "timeInForce": o.time_in_force or "GTC",
        "type": o.type,
        "reduceOnly": o.reduce_only,
        "closePosition": o.close_position,
        "side": o.side,
        "positionSide": o.position_side,
        "stopPrice": amount(o.stop_price),
        "workingType": o.working_type,
        "priceProtect": False,
        "origType": o.orig_type or o.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE",
        "goodTillDate": 0,
        **(
            {"activatePrice": amount(o.activation_price), "priceRate": f"{o.callback_rate:f}"}
            if o.type == FuturesOrder.Type.TRAILING_STOP_MARKET
            else {}
        ),
        "time": ms(o.created_at),
        "updateTime": ms(o.updated_at),
    }


def trade(t: FuturesTrade) -> dict:
    """userTrades. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Account-Trade-List"""
    is_buy = t.side == FuturesOrder.Side.BUY
    return {
        "buyer": is_buy,
        "commission": amount(t.commission),
        "commissionAsset": "USDT",
        "id": t.pk,
        "maker": t.maker,
        "orderId": t.order_id,
        "price": amount(t.price),
        "qty": amount(t.qty),
        "quoteQty": amount(t.quote_qty),
        "realizedPnl": amount(t.realized_pnl),
        "side": t.side,
        "positionSide": "BOTH",
        "symbol": t.symbol.symbol,
        "time": ms(t.created_at),
    }


def force_order(o: FuturesOrder) -> dict:
    """forceOrders: the liquidation's closing orders (Binance's "autoclose-" ones).
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Users-Force-Orders
    """
    return order(o) | {"type": "LIMIT", "origType": "LIMIT", "timeInForce": "IOC"}


def income(row: Income) -> dict:
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History"""
    return {
        "symbol": row.symbol.symbol if row.symbol is not None else "",
        "incomeType": row.income_type,
        "income": amount(row.income),
        "asset": row.asset,
        "info": row.info,
        "time": ms(row.time),
        "tranId": row.pk,
        "tradeId": str(row.trade_id or ""),
    }


# --- accounts and positions ---------------------------------------------------------------------------


def _totals(state: AccountState | None) -> dict:
    """The wallet's totals in Binance's names (all zero before the first transfer made the wallet)."""
    if state is None:
        keys = ("wallet", "pnl", "margin", "maint", "initial", "position_im", "order_im", "cross", "cross_pnl")
        return dict.fromkeys((*keys, "available", "withdraw"), amount(0))
    position_im = sum((p.initial_margin for p in state.positions), ZERO)
    return {
        "wallet": amount(state.wallet_balance),
        "pnl": amount(sum((p.unrealized_pnl for p in state.positions), ZERO)),
        "margin": amount(state.margin_balance),
        "maint": amount(sum((p.maintenance for p in state.positions), ZERO)),
        "initial": amount(position_im + state.open_order_margin),
        "position_im": amount(position_im),
        "order_im": amount(state.open_order_margin),
        "cross": amount(state.cross_wallet_balance),
        "cross_pnl": amount(state.cross_pnl),
        "available": amount(max(state.available_balance, ZERO)),
        "withdraw": amount(state.max_withdraw),
    }


def _usdt_asset(t: dict, now: int) -> dict:
    return {
        "asset": "USDT",
        "walletBalance": t["wallet"],
        "unrealizedProfit": t["pnl"],
        "marginBalance": t["margin"],
        "maintMargin": t["maint"],
        "initialMargin": t["initial"],
        "positionInitialMargin": t["position_im"],
        "openOrderInitialMargin": t["order_im"],
        "crossWalletBalance": t["cross"],
        "crossUnPnl": t["cross_pnl"],
        "availableBalance": t["available"],
        "maxWithdrawAmount": t["withdraw"],
        "marginAvailable": True,
        "updateTime": now,
    }


def _account_totals(t: dict) -> dict:
    return {
        "totalInitialMargin": t["initial"],
        "totalMaintMargin": t["maint"],
        "totalWalletBalance": t["wallet"],
        "totalUnrealizedProfit": t["pnl"],
        "totalMarginBalance": t["margin"],
        "totalPositionInitialMargin": t["position_im"],
        "totalOpenOrderInitialMargin": t["order_im"],
        "totalCrossWalletBalance": t["cross"],
        "totalCrossUnPnl": t["cross_pnl"],
        "availableBalance": t["available"],
        "maxWithdrawAmount": t["withdraw"],
    }


def account_v3(state: AccountState | None, *, now: int) -> dict:
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Account-Information-V3"""
    t = _totals(state)
    return {
        **_account_totals(t),
        "assets": [_usdt_asset(t, now)],
        "positions": [
            {
                "symbol": p.info.code,
                "positionSide": "BOTH",
                "positionAmt": amount(p.position.position_amt),
                "unrealizedProfit": amount(p.unrealized_pnl),
                "isolatedMargin": amount(p.margin if p.is_isolated else 0),
                "notional": amount(signed_notional(p)),
                "isolatedWallet": amount(p.isolated_wallet),
                "initialMargin": amount(p.initial_margin),
                "maintMargin": amount(p.maintenance),
                "updateTime": ms(p.position.updated_at),
            }
            for p in (state.positions if state else [])
        ],
    }


def account_v2(state: AccountState | None, *, settings: dict, infos: list[SymbolInfo], now: int) -> dict:
    """Every symbol's position, open or flat, with its leverage and margin type.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Account-Information-V2
    """
    t = _totals(state)
    open_ = {p.info.code: p for p in (state.positions if state else [])}
    positions = []
    for info in infos:
        leverage, margin_type = settings.get(info.symbol.pk, (20, "CROSSED"))
        risk = open_.get(info.code)
        positions.append(
            {
                "symbol": info.code,
                "initialMargin": amount(risk.initial_margin if risk else 0),
                "maintMargin": amount(risk.maintenance if risk else 0),
                "unrealizedProfit": amount(risk.unrealized_pnl if risk else 0),
                "positionInitialMargin": amount(risk.initial_margin if risk else 0),
                "openOrderInitialMargin": amount(0),
                "leverage": str(leverage),
                "isolated": margin_type == "ISOLATED",
                "entryPrice": amount(risk.position.entry_price if risk else 0),
                "breakEvenPrice": amount(risk.position.entry_price if risk else 0),
                "maxNotional": amount(max_notional(info, leverage)),
                "bidNotional": amount(0),
                "askNotional": amount(0),
                "positionSide": "BOTH",
                "positionAmt": amount(risk.position.position_amt if risk else 0),
                "updateTime": ms(risk.position.updated_at) if risk else 0,
            }
        )
    return {
        "feeTier": 0,
        "feeBurn": False,
        "canTrade": True,
        "canDeposit": True,
        "canWithdraw": True,
        "updateTime": 0,
        "multiAssetsMargin": False,
        "tradeGroupId": -1,
        **_account_totals(t),
        "assets": [_usdt_asset(t, now)],
        "positions": positions,
    }


def balance(state: AccountState | None, *, alias: str, now: int) -> list[dict]:
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Futures-Account-Balance-V3"""
    t = _totals(state)
    return [
        {
            "accountAlias": alias,
            "asset": "USDT",
            "balance": t["wallet"],
            "crossWalletBalance": t["cross"],
            "crossUnPnl": t["cross_pnl"],
            "availableBalance": t["available"],
            "maxWithdrawAmount": t["withdraw"],
            "marginAvailable": True,
            "updateTime": now,
        }
    ]


def signed_notional(risk: PositionRisk | None) -> Decimal:
    """Binance's position notional carries the position's sign: negative for a short."""
    if risk is None:
        return ZERO
    return risk.notional if risk.position.position_amt >= 0 else -risk.notional


def max_notional(info: SymbolInfo, leverage: int) -> Decimal:
    """The largest notional the brackets allow at this leverage: the cap of the last tier that still offers it."""
    caps = [b.cap for b in info.brackets if b.max_leverage >= leverage]
    return max(caps) if caps else ZERO


def position_v2(info: SymbolInfo, risk: PositionRisk | None, *, leverage: int, margin_type: str) -> dict:
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V2"""
    return {
        "symbol": info.code,
        "positionAmt": amount(risk.position.position_amt if risk else 0),
        "entryPrice": amount(risk.position.entry_price if risk else 0),
        "breakEvenPrice": amount(risk.position.entry_price if risk else 0),
        "markPrice": amount(info.mark_price),
        "unRealizedProfit": amount(risk.unrealized_pnl if risk else 0),
        "liquidationPrice": amount(risk.liquidation_price if risk and risk.liquidation_price else 0),
        "leverage": str(leverage),
        "maxNotionalValue": amount(max_notional(info, leverage)),
        "marginType": "isolated" if margin_type == "ISOLATED" else "cross",
        "isolatedMargin": amount(risk.margin if risk and risk.is_isolated else 0),
        "isAutoAddMargin": "false",
        "positionSide": "BOTH",
        "notional": amount(signed_notional(risk)),
        "isolatedWallet": amount(risk.isolated_wallet if risk else 0),
        "updateTime": ms(risk.position.updated_at) if risk else 0,
    }


def position_v3(risk: PositionRisk) -> dict:
    """Open positions only. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V3"""
    return {
        "symbol": risk.info.code,
        "positionSide": "BOTH",
        "positionAmt": amount(risk.position.position_amt),
        "entryPrice": amount(risk.position.entry_price),
        "breakEvenPrice": amount(risk.position.entry_price),
        "markPrice": amount(risk.mark_price),
        "unRealizedProfit": amount(risk.unrealized_pnl),
        "liquidationPrice": amount(risk.liquidation_price or 0),
        "isolatedMargin": amount(risk.margin if risk.is_isolated else 0),
        "notional": amount(signed_notional(risk)),
        "marginAsset": "USDT",
        "isolatedWallet": amount(risk.isolated_wallet),
        "initialMargin": amount(risk.initial_margin),
        "maintMargin": amount(risk.maintenance),
        "positionInitialMargin": amount(risk.initial_margin),
        "openOrderInitialMargin": amount(0),
        "adl": 0,
        "bidNotional": amount(0),
        "askNotional": amount(0),
        "updateTime": ms(risk.position.updated_at),
    }
