"""What every Binance-compatible view shares: signing, weights, Binance's errors, the account a request means."""

from __future__ import annotations

from typing import cast

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.api_keys import api_key_get_by_key
from accounts.models import ApiKey, User
from trading.binance import errors, markets, selectors, throttling
from trading.binance.auth import API_KEY_HEADER, ApiKeyAuthentication, CanTrade, SignedAuthentication, params_of
from trading.binance.params import Params
from trading.models import Order

NONE, MARKET_DATA, USER_DATA, TRADE = "NONE", "MARKET_DATA", "USER_DATA", "TRADE"
SIDES = Order.Side.values
ORDER_TYPES = Order.Type.values
TIMES_IN_FORCE = Order.TimeInForce.values
SIDE_EFFECTS = Order.SideEffect.values
RESPONSE_TYPES = ("ACK", "RESULT", "FULL")
NEEDS_TIME_IN_FORCE = (Order.Type.LIMIT, Order.Type.STOP_LOSS_LIMIT, Order.Type.TAKE_PROFIT_LIMIT)


class JsonOnly(BaseContentNegotiation):
    """Binance answers JSON whatever the Accept header asks for."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BinanceApi(APIView):
    """What every Binance-compatible view shares: signing, weights and Binance's errors.

    ``security``, ``weight``, ``uid_weight`` and ``action`` may be one value or a dict per HTTP method.
    """

    schema = None  # not part of the /api/v1 OpenAPI schema: Binance documents these paths
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    parser_classes = ()  # parameters come from Params (query and form body), never from request.data
    content_negotiation_class = JsonOnly
    security: str | dict = NONE
    weight: int | dict = 1
    uid_weight: int | dict = 0
    action: str | dict = "query"

    def _per_method(self, value, method: str | None = None):
        method = method or self.request.method
        return value.get(method, next(iter(value.values()))) if isinstance(value, dict) else value

    def get_authenticators(self):
        security = self._per_method(self.security)
        if security == MARKET_DATA:
            return [ApiKeyAuthentication()]
        if security in (USER_DATA, TRADE):
            return [SignedAuthentication()]
        return []

    def get_permissions(self):
        return [CanTrade()] if self._per_method(self.security) == TRADE else [AllowAny()]

    def get_exception_handler(self):
        return errors.exception_handler

    def action_for(self, method: str) -> str:
        return getattr(self, "current_action", None) or self._per_method(self.action, method)

    @property
    def params(self) -> Params:
        return params_of(self.request)

    def weight_for(self, request) -> int:
        return self._per_method(self.weight)

    # Weights are counted before authentication (a bad signature costs its weight, as on Binance), the
    # user's after it.
    def initial(self, request, *args, **kwargs):
        self.used_weights: dict[str, int] = {}
        ip_scope = throttling.Scope("ip", throttling.ip_limit())
        self._charge(ip_scope, throttling.client_address(request), self.weight_for(request), self._ip_headers())
        super().initial(request, *args, **kwargs)
        self._enter_market(request)
        uid_weight = self._per_method(self.uid_weight)
        if uid_weight:
            uid_scope = throttling.Scope("uid", throttling.uid_limit())
            self._charge(uid_scope, str(request.user.pk), uid_weight, ["X-SAPI-USED-UID-WEIGHT-1M"])

    def _ip_headers(self) -> list[str]:
        headers = ["X-MBX-USED-WEIGHT-1M"]
        if self.request.path.startswith("/sapi/"):
            headers.append("X-SAPI-USED-IP-WEIGHT-1M")
        return headers

    def _charge(self, scope: throttling.Scope, who: str, weight: int, headers: list[str]) -> None:
        used = throttling.counter.charge(scope=scope, who=who, weight=weight)
        for header in headers:
            self.used_weights[header] = used
        if used > scope.limit:
            raise throttling.exceeded(scope)

    def _enter_market(self, request) -> None:
        """The key's market (``trading.binance.markets``): a signed request's key, or the header a public
        request may send (python-binance sends it on every call); no key, or a personal one: the main market."""
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is None and request.META.get(API_KEY_HEADER):
            api_key = api_key_get_by_key(api_key=request.META[API_KEY_HEADER])
        market_id = api_key.market_ref if api_key is not None else None
        if market_id is None:
            return
        self.market_names = markets.market_names(market_id)
        self._market_token = markets.market_enter(market_id)
        markets.params_in_market(self.params.values, self.market_names)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # The market is the request's only, whatever happened (the thread serves other requests next).
            token = getattr(self, "_market_token", None)
            if token is not None:
                self._market_token = None
                markets.market_leave(token)

    def finalize_response(self, request, response, *args, **kwargs):
        names = getattr(self, "market_names", None)
        if names is not None and getattr(response, "data", None) is not None:
            response.data = markets.answer_in_main_names(response.data, names)
        response = super().finalize_response(request, response, *args, **kwargs)
        for header, used in getattr(self, "used_weights", {}).items():
            response[header] = str(used)
        return response


def margin_route(view: BinanceApi, *, symbol_param: str = "symbol"):
    """The account of a margin request: isIsolated (any case) and the symbol pick cross or isolated."""
    p = view.params
    return selectors.margin_account_route(
        user=cast(User, view.request.user),  # SignedAuthentication admitted only a user's API key
        is_isolated=p.flag("isIsolated"),
        symbol=p.symbol(symbol_param),
        symbol_param=symbol_param,
    )


# --- public market data (/api/v3, /fapi/v1, /dapi/v1) --------------------------------------------------


def time_window(p: Params) -> dict:
    return {"start": p.time("startTime"), "end": p.time("endTime")}


class UnsupportedApi(BinanceApi):
    """Any other path under Binance's prefixes: Binance's shape, not an HTML 404 page."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise errors.BinanceError(errors.UNSUPPORTED_OPERATION, status_code=404)

    def get(self, request, *args, **kwargs):
        raise errors.BinanceError(errors.UNSUPPORTED_OPERATION, status_code=404)

    post = put = delete = get
