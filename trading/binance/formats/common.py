"""What every shape shares: amounts as strings with 8 decimals, times in milliseconds."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from core.money import Q8
from trading.margin import Status

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


def ratio(numerator: Decimal, denominator: Decimal | None) -> Decimal:
    return numerator / denominator if denominator else ZERO


def in_btc(value: Decimal, btc_price: Decimal | None) -> str:
    return amount(ratio(value, btc_price))
