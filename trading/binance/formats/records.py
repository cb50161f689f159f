"""Loan, interest and liquidation records in Binance's shapes (``{"rows": [...], "total": n}`` pages).

https://developers.binance.com/docs/margin_trading/borrow-and-repay/Query-Borrow-Repay (and the older loan
and repay records), .../borrow-and-repay/Get-Interest-History, and
https://developers.binance.com/docs/margin_trading/trade/Get-Force-Liquidation-Record.
"""

from __future__ import annotations

from decimal import Decimal

from trading.binance.formats.common import amount, ms
from trading.models import AccountKind, LoanEvent, Order

HOURS_A_DAY = 24


def _isolated_symbol(event_account) -> dict:
    return {"isolatedSymbol": event_account.pair.symbol} if event_account.kind == AccountKind.ISOLATED else {}


def rows(items: list[dict], total: int) -> dict:
    return {"rows": items, "total": total}


def loan_row(event: LoanEvent) -> dict:
    """A borrow: margin/loan's record, and margin/borrow-repay's with ``type``."""
    return {
        **_isolated_symbol(event.account),
        "txId": event.pk,
        "asset": event.asset.code,
        "principal": amount(event.principal),
        "timestamp": ms(event.created_at),
        "status": "CONFIRMED",
    }


def repay_row(event: LoanEvent) -> dict:
    """A repayment: ``amount`` is principal plus interest, as Binance splits it."""
    return {
        **_isolated_symbol(event.account),
        "amount": amount(event.principal + event.interest),
        "asset": event.asset.code,
        "interest": amount(event.interest),
        "principal": amount(event.principal),
        "status": "CONFIRMED",
        "timestamp": ms(event.created_at),
        "txId": event.pk,
    }


def borrow_repay_row(event: LoanEvent) -> dict:
    """GET margin/borrow-repay: AUTO when an order borrowed or repaid, MANUAL when the user did."""
    row = loan_row(event) if event.kind == LoanEvent.Kind.BORROW else repay_row(event)
    return {"type": "AUTO" if event.order_id else "MANUAL", **row}


def interest_row(event: LoanEvent) -> dict:
    """An hourly interest charge: ``interestRate`` is the hourly rate (the daily rate over 24)."""
    return {
        **_isolated_symbol(event.account),
        "txId": event.pk,
        "interestAccuredTime": ms(event.created_at),  # sic: Binance's spelling
        "asset": event.asset.code,
        "rawAsset": event.asset.code,
        "principal": amount(event.principal),
        "interest": amount(event.interest),
        "interestRate": amount(event.asset.daily_interest_rate / HOURS_A_DAY),
        "type": "PERIODIC",
    }


def liquidation_row(order: Order) -> dict:
    executed = order.executed_qty
    average = order.cummulative_quote_qty / executed if executed else Decimal(0)
    return {
        "avgPrice": amount(average),
        "executedQty": amount(executed),
        "orderId": order.pk,
        "price": amount(order.price or average),
        "qty": amount(order.quantity if order.quantity is not None else executed),
        "side": order.side,
        "symbol": order.pair.symbol,
        "timeInForce": order.time_in_force or "GTC",
        "isIsolated": order.account.kind == AccountKind.ISOLATED,
        "updatedTime": ms(order.updated_at),
    }
