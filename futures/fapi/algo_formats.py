"""The algo service's shape of a futures order (``formats.order`` is the matching engine's): what New Algo
Order, Query Algo Order, openAlgoOrders and allAlgoOrders answer, field for field as Binance's examples.
https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-All-Algo-Orders
Pure shaping: the status is the selectors' (``algo_status``)."""

from __future__ import annotations

from decimal import Decimal

from futures.fapi.selectors import algo_status
from futures.models import ALGO_CONDITIONAL, FuturesOrder
from trading.binance.formats import amount, ms

ZERO_PRICE = amount(0)
ONE_DECIMAL = Decimal("0.1")  # callbackRate: 0.1 to 10, one decimal


def algo_order(o: FuturesOrder) -> dict:
    """One algo order: its algoId is the order's id, and once triggered its actual order is the same one
    (``actualOrderId``, found by GET /fapi/v1/order)."""
    triggered = o.triggered_at is not None
    return {
        "algoId": o.pk,
        "clientAlgoId": o.client_order_id,
        "algoType": o.algo_type or ALGO_CONDITIONAL,
        "orderType": o.orig_type or o.type,
        "symbol": o.symbol.symbol,
        "side": o.side,
        "positionSide": o.position_side,
        "timeInForce": o.time_in_force or "GTC",
        "quantity": amount(o.orig_qty),
        "algoStatus": algo_status(o),
        "actualOrderId": str(o.pk) if triggered else "",
        "actualPrice": amount(o.avg_price),
        "triggerPrice": amount(o.stop_price),
        "price": amount(o.price),
        "icebergQuantity": None,
        "tpTriggerPrice": ZERO_PRICE,
        "tpPrice": ZERO_PRICE,
        "slTriggerPrice": ZERO_PRICE,
        "slPrice": ZERO_PRICE,
        "tpOrderType": "",
        "selfTradePreventionMode": "NONE",
        "workingType": o.working_type,
        "priceMatch": "NONE",
        "closePosition": o.close_position,
        "priceProtect": False,
        "reduceOnly": o.reduce_only,
        **(
            {"activatePrice": amount(o.activation_price), "callbackRate": f"{o.callback_rate.quantize(ONE_DECIMAL):f}"}
            if (o.orig_type or o.type) == FuturesOrder.Type.TRAILING_STOP_MARKET
            else {}
        ),
        "createTime": ms(o.created_at),
        "updateTime": ms(o.updated_at),
        "triggerTime": ms(o.triggered_at),
        "goodTillDate": 0,
    }


def algo_cancelled(o: FuturesOrder) -> dict:
    """Cancel Algo Order's answer.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Algo-Order"""
    return {"algoId": o.pk, "clientAlgoId": o.client_order_id, "code": "200", "msg": "success"}
