"""Binance's errors: ``{"code": -2010, "msg": "..."}`` with an HTTP 4xx, never a 200 that carries a code.

The services speak the platform's one ``ApplicationError`` (a code such as ``insufficient_balance``); this
module translates it into the code and message Binance sends for the same failure, so that bots (and
ccxt's and python-binance's exception maps) react as they would on Binance. Some codes depend on what was
being done: a lack of funds is -2010 when placing an order but -3041 when repaying a loan. The codes and
messages are those of Binance's error-code pages (spot and margin).

The handler is scoped to the Binance-compatible views (``BinanceApi.get_exception_handler``); the
/api/v1 REST API keeps its own error shape.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ApplicationError

logger = logging.getLogger(__name__)

UNKNOWN = (-1000, "An unknown error occurred while processing the request.")
UNAUTHORIZED = (-1002, "You are not authorized to execute this request.")
UNSUPPORTED_OPERATION = (-1020, "This operation is not supported.")
INVALID_SIGNATURE = (-1022, "Signature for this request is not valid.")
DUPLICATE_PARAMETER = (-1101, "Duplicate values for a parameter detected.")
BAD_PRECISION = (-1111, "Precision is over the maximum defined for this asset.")
INVALID_TIME_IN_FORCE = (-1115, "Invalid timeInForce.")
INVALID_ORDER_TYPE = (-1116, "Invalid orderType.")
INVALID_SIDE = (-1117, "Invalid side.")
INVALID_INTERVAL = (-1120, "Invalid interval.")
BAD_SYMBOL = (-1121, "Invalid symbol.")
BAD_RECV_WINDOW = (-1131, "recvWindow must be less than 60000")
INSUFFICIENT_BALANCE = (-2010, "Account has insufficient balance for requested action.")
DUPLICATE_ORDER = (-2010, "Duplicate order sent.")
WOULD_TAKE = (-2010, "Order would immediately match and take.")
WOULD_TRIGGER = (-2010, "Order would trigger immediately.")
CANCEL_REJECTED = (-2011, "Unknown order sent.")
OCO_PRICES = (-2010, "The relationship of the prices for the orders is not correct.")
NO_SUCH_ORDER = (-2013, "Order does not exist.")
BAD_API_KEY_FORMAT = (-2014, "API-key format invalid.")
REJECTED_API_KEY = (-2015, "Invalid API-key, IP, or permissions for action.")
MARKET_CLOSED = (-1013, "Market is closed.")
NO_MARGIN_ACCOUNT = (-3003, "Margin account does not exist.")
EXCEED_MAX_BORROWABLE = (-3006, "Your borrow amount has exceed maximum borrow amount.")
BORROW_BANNED = (-3012, "Borrow is banned for this asset.")
REPAY_EXCEEDS_DEBT = (-3015, "Repay amount exceeds borrow amount.")
TRANSFER_OUT_EXCEEDS_MAX = (-3020, "Transfer out amount exceeds max amount.")
PAIR_NOT_TRADABLE = (-3021, "Margin account are not allowed to trade this trading pair.")
TRADING_BANNED = (-3022, "You account's trading is banned.")
NOT_MARGIN_ASSET = (-3027, "Not a valid margin asset.")
NOT_MARGIN_PAIR = (-3028, "Not a valid margin pair.")
BALANCE_NOT_ENOUGH = (-3041, "Balance is not enough")
NO_PRICE_INDEX = (-3042, "PriceIndex not available for this margin pair.")
INSUFFICIENT_INVENTORY = (-3045, "The system does not have enough asset now.")
NO_ISOLATED_ACCOUNT = (-11001, "Isolated margin account does not exist.")

# Binance answers "who are you?" with 401, too much weight with 429, everything else the caller did with 400.
AUTH_CODES = {UNAUTHORIZED[0], BAD_API_KEY_FORMAT[0], REJECTED_API_KEY[0]}


class BinanceError(exceptions.APIException):
    """An error in Binance's shape. ``retry_after`` (seconds) goes out as the Retry-After header."""

    def __init__(self, error: tuple[int, str], msg: str | None = None, *, status_code: int | None = None):
        self.code, self.msg = error[0], msg or error[1]
        self.status_code = status_code or (401 if self.code in AUTH_CODES else 400)
        self.retry_after: int | None = None
        super().__init__(self.msg)

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg}


def mandatory(name: str) -> BinanceError:
    return BinanceError((-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."))


def not_required(name: str) -> BinanceError:
    return BinanceError((-1106, f"Parameter '{name}' sent when not required."))


def illegal_chars(name: str, legal: str) -> BinanceError:
    return BinanceError((-1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."))


def invalid_data(name: str) -> BinanceError:
    return BinanceError((-1130, f"Data sent for parameter '{name}' is not valid."))


def rejected(message: str) -> BinanceError:
    """A request the API refuses for a reason of the platform's own, told in its own words."""
    return BinanceError((-1013, message))


# --- ApplicationError -> BinanceError -----------------------------------------------------------------

# The services' parameter names, as Binance's callers know them.
PARAMETER_NAMES = {
    "quote_quantity": "quoteOrderQty",
    "stop_price": "stopPrice",
    "time_in_force": "timeInForce",
    "side_effect": "sideEffectType",
    "client_order_id": "newClientOrderId",
    "stop_limit_price": "stopLimitPrice",
}

# (service error code, action) -> Binance error; an action of None is the fallback for every action.
# Actions: "order" (placing), "cancel", "query", "borrow", "repay", "transfer", "account".
TRANSLATIONS: dict[tuple[str, str | None], tuple[int, str]] = {
    ("insufficient_balance", "order"): INSUFFICIENT_BALANCE,
    ("insufficient_balance", None): BALANCE_NOT_ENOUGH,
    # An order whose MARGIN_BUY would take the margin level below the initial ratio lacks funds, as
    # Binance tells it; a plain borrow over the limit exceeds the maximum borrowable.
    ("margin_rule", "order"): INSUFFICIENT_BALANCE,
    ("margin_rule", "transfer"): TRANSFER_OUT_EXCEEDS_MAX,
    ("margin_rule", None): EXCEED_MAX_BORROWABLE,
    ("unknown_order", "cancel"): CANCEL_REJECTED,
    ("unknown_order", None): NO_SUCH_ORDER,
    ("order_not_open", None): CANCEL_REJECTED,
    ("unknown_symbol", None): BAD_SYMBOL,
    ("unknown_asset", None): NOT_MARGIN_ASSET,
    ("asset_not_allowed", None): NOT_MARGIN_ASSET,
    ("would_take", None): WOULD_TAKE,
    ("would_trigger", None): WOULD_TRIGGER,
    ("duplicate_client_order_id", None): DUPLICATE_ORDER,
    ("symbol_halted", None): MARKET_CLOSED,
    ("symbol_not_allowed", None): PAIR_NOT_TRADABLE,
    ("margin_not_allowed", None): PAIR_NOT_TRADABLE,
    ("isolated_not_allowed", None): NOT_MARGIN_PAIR,
    ("account_frozen", None): TRADING_BANNED,
    ("not_margin_account", None): NO_MARGIN_ACCOUNT,
    ("not_found", None): NO_MARGIN_ACCOUNT,
    ("borrow_limit", None): EXCEED_MAX_BORROWABLE,
    ("pool_exhausted", None): INSUFFICIENT_INVENTORY,
    ("not_borrowable", None): BORROW_BANNED,
    ("no_debt", None): REPAY_EXCEEDS_DEBT,
    ("no_price", None): NO_PRICE_INDEX,
    ("oco_prices", None): OCO_PRICES,
}


def _parameter(exc: ApplicationError) -> str | None:
    name = next(iter(exc.fields), None)
    return PARAMETER_NAMES.get(name, name) if name else None


def _invalid_input(exc: ApplicationError, action: str) -> BinanceError:
    """The services' "invalid" (bad input) errors, told as Binance tells the same mistake.

    The services give every bad input the one code "invalid" and name the field; what kind of mistake it
    was is only in their wording, so that is read here (tests/binance pin each case). Most of these are
    caught earlier by ``Params``, with Binance's checks; this is the net under them.
    """
    name, message = _parameter(exc), exc.message
    if action == "repay" and name == "amount" and "owed" in message:
        return BinanceError(REPAY_EXCEEDS_DEBT)
    if name is None:
        return rejected(message)
    if "sent when not required" in message:
        return not_required(name)
    if "Mandatory parameter" in message or "Send either" in message:
        return mandatory(name)
    if "decimal places" in message:
        return BinanceError(BAD_PRECISION)
    if "must be one of" in message:
        return BinanceError(
            {"side": INVALID_SIDE, "type": INVALID_ORDER_TYPE, "timeInForce": INVALID_TIME_IN_FORCE}.get(
                name, (-1130, f"Data sent for parameter '{name}' is not valid.")
            )
        )
    if "greater than zero" in message or "too large" in message:
        return rejected(f"Invalid {name}.")
    return invalid_data(name)


def translate(exc: ApplicationError, *, action: str) -> BinanceError:
    if exc.code == "invalid":
        return _invalid_input(exc, action)
    if exc.code == "filter_failure":
        return rejected(exc.message)  # "Filter failure: LOT_SIZE": the message names the filter, as Binance's
    error = TRANSLATIONS.get((exc.code, action)) or TRANSLATIONS.get((exc.code, None))
    if error is None:
        # A rule of the platform's own with no Binance twin (e.g. the isolated-account limit): rejected,
        # with the service's own explanation.
        return rejected(exc.message)
    return BinanceError(error)


# --- the exception handler of the Binance views -------------------------------------------------------


def exception_handler(exc: Exception, context: dict) -> Response:
    view = context.get("view")
    request = context.get("request")
    action = view.action_for(request.method) if view is not None and request is not None else "query"
    if isinstance(exc, ApplicationError):
        exc = translate(exc, action=action)
    elif isinstance(exc, Http404):
        exc = BinanceError(UNSUPPORTED_OPERATION, status_code=status.HTTP_404_NOT_FOUND)
    elif isinstance(exc, exceptions.MethodNotAllowed):
        exc = BinanceError(UNSUPPORTED_OPERATION, status_code=status.HTTP_405_METHOD_NOT_ALLOWED)
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        exc = BinanceError(BAD_API_KEY_FORMAT)
    elif isinstance(exc, exceptions.PermissionDenied):
        exc = BinanceError(REJECTED_API_KEY)
    elif isinstance(exc, RequestDataTooBig | SuspiciousOperation):
        exc = BinanceError((-1101, "Too many parameters sent for this endpoint."))
    elif isinstance(exc, exceptions.APIException) and not isinstance(exc, BinanceError):
        exc = BinanceError((UNKNOWN[0], f"{UNKNOWN[1]}[{exc.detail}]"), status_code=exc.status_code)
    elif not isinstance(exc, BinanceError):
        # A bug: logged with its traceback, answered in Binance's shape rather than an HTML page.
        logger.exception("Binance-compatible API: unexpected error", exc_info=exc)
        exc = BinanceError(UNKNOWN, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)
    set_rollback()
    response = Response(exc.body(), status=exc.status_code)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response
