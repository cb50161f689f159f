"""Binance's USDⓈ-M error codes and messages for the futures services' errors.

https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code

The services raise ``FuturesError`` / ``ApplicationError`` with a code of their own; this module gives each
the code and message Binance sends for the same refusal, so that ccxt (its ``linear`` exception map) and
python-binance react as on Binance. What is not futures-specific (bad input, unknown symbol) goes through
``trading.binance.errors.translate``, the spot and margin door's one translation.
"""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal, InvalidOperation

from rest_framework.response import Response

from core.errors import ApplicationError
from trading.binance import errors as binance_errors
from trading.binance.errors import BinanceError

# https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code
MARGIN_INSUFFICIENT = (-2019, "Margin is insufficient.")
WOULD_TRIGGER = (-2021, "Order would immediately trigger.")
REDUCE_ONLY_REJECTED = (-2022, "ReduceOnly Order is rejected.")
NO_NEED_TO_CHANGE_MARGIN_TYPE = (-4046, "No need to change margin type.")
MARGIN_TYPE_OPEN_ORDERS = (-4047, "Margin type cannot be changed if there exists open orders.")
MARGIN_TYPE_POSITION = (-4048, "Margin type cannot be changed if there exists position.")
ISOLATED_BALANCE_INSUFFICIENT = (-4051, "Isolated balance insufficient.")
NO_NEED_TO_CHANGE_POSITION_SIDE = (-4059, "No need to change position side.")
POSITION_SIDE_MISMATCH = (-4061, "Order's position side does not match user's setting.")
DUPLICATE_CLIENT_ORDER_ID = (-4116, "ClientOrderId is duplicated.")
FOK_REJECTED = (-5021, "Due to the order could not be filled immediately, the FOK order has been rejected.")
POST_ONLY_REJECTED = (-5022, "Due to the order could not be executed as maker, the Post Only order will be rejected.")
# Hedge mode does not exist here: asking for it is refused with Binance's "not supported" (-1020 / ccxt
# BadRequest) and a message that says why.
HEDGE_MODE_UNSUPPORTED = (
    -1020,
    "This operation is not supported. Hedge mode (dualSidePosition=true) does not exist here: positions are one-way.",
)
ACCOUNT_FROZEN = (-2010, "Account has been frozen: new orders are rejected.")
BALANCE_INSUFFICIENT = (-2018, "Balance is insufficient.")

# The futures services' codes (futures.services.common.BINANCE_CODES and the selectors') -> Binance's.
TRANSLATIONS: dict[tuple[str, str | None], tuple[int, str]] = {
    ("invalid_symbol", None): binance_errors.BAD_SYMBOL,
    ("invalid_order_type", None): binance_errors.INVALID_ORDER_TYPE,
    ("insufficient_margin", None): MARGIN_INSUFFICIENT,
    ("would_immediately_trigger", None): WOULD_TRIGGER,
    ("reduce_only_rejected", None): REDUCE_ONLY_REJECTED,
    ("no_need_to_change_margin_type", None): NO_NEED_TO_CHANGE_MARGIN_TYPE,
    ("margin_type_open_orders", None): MARGIN_TYPE_OPEN_ORDERS,
    ("margin_type_position", None): MARGIN_TYPE_POSITION,
    ("margin_reduce_too_much", None): ISOLATED_BALANCE_INSUFFICIENT,
    ("post_only_rejected", None): POST_ONLY_REJECTED,
    ("fok_rejected", None): FOK_REJECTED,
    ("hedge_mode_unsupported", "order"): POSITION_SIDE_MISMATCH,
    ("hedge_mode_unsupported", None): HEDGE_MODE_UNSUPPORTED,
    ("duplicate_order", None): DUPLICATE_CLIENT_ORDER_ID,
    ("account_frozen", None): ACCOUNT_FROZEN,
    ("unknown_order", "cancel"): binance_errors.CANCEL_REJECTED,
    ("unknown_order", None): binance_errors.NO_SUCH_ORDER,
    # positionMargin on a symbol with no position (or no futures wallet yet): Binance's -2013 is for
    # orders; it answers a margin change without a position as an isolated balance it cannot change.
    ("no_position", None): ISOLATED_BALANCE_INSUFFICIENT,
    ("no_futures_wallet", None): ISOLATED_BALANCE_INSUFFICIENT,
    ("not_isolated", None): (-4044, "The direction is not valid."),
    ("insufficient_balance", None): BALANCE_INSUFFICIENT,
}


def leverage_invalid(leverage: int) -> BinanceError:
    # Binance's own wording names the value: {"code": -4028, "msg": "Leverage 200 is not valid"}.
    return BinanceError((-4028, f"Leverage {leverage} is not valid"))


def translate(exc: ApplicationError, *, action: str) -> BinanceError:
    """The futures refusal as Binance tells it; anything else as the spot and margin door tells it."""
    if exc.code == "invalid_leverage":
        # "Leverage 200 is not valid: ..." from the service; a value that is no whole number never gets
        # here (Params refuses it first, -1100).
        words = exc.message.split()
        return (
            leverage_invalid(int(words[1]))
            if len(words) > 1 and words[1].isdigit()
            else BinanceError((-4028, "Leverage is not valid"))
        )
    if exc.code == "min_notional":
        # "... no smaller than 2E+1 USDT." (a normalized Decimal) told as Binance writes it.
        floor = exc.message.split("smaller than ")[-1].split(" USDT")[0]
        with suppress(InvalidOperation):
            floor = f"{Decimal(floor):f}"
        return BinanceError(
            (-4164, f"Order's notional must be no smaller than {floor} (unless you choose reduce only).")
        )
    if exc.code == "filter_failure":
        # The service names the filter in its field message ("Filter failure: LOT_SIZE"), as Binance does.
        detail = next(iter(next(iter(exc.fields.values()), [])), None) if exc.fields else None
        return binance_errors.rejected(detail or exc.message)
    error = TRANSLATIONS.get((exc.code, action)) or TRANSLATIONS.get((exc.code, None))
    if error is not None:
        return BinanceError(error)
    return binance_errors.translate(exc, action=action)


def exception_handler(exc: Exception, context: dict) -> Response:
    """The Binance door's handler, with the futures services' errors told in /fapi's codes first."""
    if isinstance(exc, ApplicationError):
        view = context.get("view")
        request = context.get("request")
        action = view.action_for(request.method) if view is not None and request is not None else "query"
        exc = translate(exc, action=action)
    return binance_errors.exception_handler(exc, context)
