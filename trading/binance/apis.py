"""Binance's paths, over MarginLab's services: thin doors, as ``trading/apis/`` is for /api/v1.

Each view reads Binance's parameters (``params``), picks the account Binance would (``selectors``), calls
the same service the web page and /api/v1 call, and answers with Binance's field names (``formats``).
Weights are Binance's published ones: ``weight`` counts per address, ``uid_weight`` per user.
"""

from __future__ import annotations

import uuid
from typing import cast

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.errors import Conflict
from trading import selectors as trading_selectors
from trading.binance import errors, formats, selectors, throttling
from trading.binance.auth import ApiKeyAuthentication, CanTrade, SignedAuthentication, now_ms, params_of
from trading.binance.params import Params
from trading.margin import slipped_price
from trading.models import AccountKind, Order
from trading.services import accounts as account_services
from trading.services import loans, orders, transfers

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

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for header, used in getattr(self, "used_weights", {}).items():
            response[header] = str(used)
        return response


def _route(view: BinanceApi, *, symbol_param: str = "symbol"):
    """The account of a margin request: isIsolated (any case) and the symbol pick cross or isolated."""
    p = view.params
    return selectors.margin_account_route(
        user=cast(User, view.request.user),  # SignedAuthentication admitted only a user's API key
        is_isolated=p.flag("isIsolated"),
        symbol=p.symbol(symbol_param),
        symbol_param=symbol_param,
    )


# --- public market data (/api/v3, /fapi/v1, /dapi/v1) --------------------------------------------------


class PingApi(BinanceApi):
    def get(self, request):
        return Response({})


class TimeApi(BinanceApi):
    def get(self, request):
        return Response({"serverTime": now_ms()})


class ExchangeInfoApi(BinanceApi):
    weight = 20

    def get(self, request):
        p = self.params
        symbols = p.symbol_list() or ([p.symbol(required=True)] if "symbol" in p else None)
        pairs = selectors.pairs(symbols)
        return Response(formats.exchange_info(pairs=pairs, server_time=now_ms(), ip_limit=throttling.ip_limit()))


class FuturesExchangeInfoApi(BinanceApi):
    """ccxt's load_markets() asks fapi and dapi too: MarginLab lists no futures, so both are empty."""

    weight = 1

    def get(self, request):
        return Response(formats.futures_exchange_info(server_time=now_ms(), ip_limit=throttling.ip_limit()))


def _requested_pairs(p: Params):
    symbols = p.symbol_list() or ([p.symbol(required=True)] if "symbol" in p else None)
    return selectors.pairs(symbols), symbols is None or "symbols" in p


class TickerPriceApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 4

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        prices = trading_selectors.mark_prices()
        tickers = [formats.price_ticker(p.symbol, prices[p.base.code]) for p in pairs if p.base.code in prices]
        return Response(tickers if as_list else _single(tickers))


def _single(tickers: list):
    if not tickers:
        raise errors.BinanceError(errors.BAD_SYMBOL)
    return tickers[0]


def _bid_ask(pair, mark, settings) -> dict:
    """What a market sell and a market buy would fill at now: the mark moved by the slippage (``margin``)."""
    common = {"mark": mark, "slippage_bps": settings.slippage_bps, "tick": pair.tick_size}
    return {"bid": slipped_price(is_buy=False, **common), "ask": slipped_price(is_buy=True, **common)}


class BookTickerApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 4

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        prices, settings = trading_selectors.mark_prices(), trading_selectors.platform_settings_get()
        tickers = [
            formats.book_ticker(p.symbol, **_bid_ask(p, prices[p.base.code], settings))
            for p in pairs
            if p.base.code in prices
        ]
        return Response(tickers if as_list else _single(tickers))


class Ticker24hrApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 80

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        by_symbol = {p.symbol: p for p in pairs}
        settings = trading_selectors.platform_settings_get()
        close_time = now_ms()
        tickers = [
            formats.ticker_24hr(
                stats,
                **_bid_ask(by_symbol[stats.symbol], stats.last, settings),
                open_time=close_time - 24 * 3600 * 1000,
                close_time=close_time,
            )
            for stats in selectors.day_stats(pair_list=pairs)
        ]
        return Response(tickers if as_list else _single(tickers))


class KlinesApi(BinanceApi):
    weight = 2

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        interval = p.choice("interval", selectors.KLINE_INTERVALS, error=errors.INVALID_INTERVAL, required=True)
        candles = selectors.klines(
            pair=pair,
            interval=interval,
            **_time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.kline(c) for c in candles])


class SpotAccountApi(BinanceApi):
    """/api/v3/account: the spot wallet's funds (what ccxt's fetch_balance() reads by default)."""

    security = USER_DATA
    weight = 20

    def get(self, request):
        summary = trading_selectors.account_summary_get(account=selectors.spot_account_get(user=request.user))
        return Response(
            formats.spot_account(user=request.user, summary=summary, assets=selectors.assets(), now=now_ms())
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
        account = account_services.isolated_account_open(user=user, symbol=symbol)
        symbol = account.isolated_pair.symbol
    except Conflict as exc:
        if exc.code != "isolated_exists":
            raise
        symbol = trading_selectors.pair_get(symbol=symbol).symbol
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


def _client_order_id(p: Params) -> str:
    return p.get("newClientOrderId") or uuid.uuid4().hex[:22]


class MarginOrderApi(BinanceApi):
    security = {"POST": TRADE, "GET": USER_DATA, "DELETE": TRADE}
    weight = {"POST": 1, "GET": 10, "DELETE": 10}
    uid_weight = {"POST": 6, "GET": 0, "DELETE": 0}
    action = {"POST": "order", "GET": "query", "DELETE": "cancel"}

    def post(self, request):
        p = self.params
        symbol = p.symbol(required=True)
        side = p.choice("side", SIDES, error=errors.INVALID_SIDE, required=True)
        type = p.choice("type", ORDER_TYPES, error=errors.INVALID_ORDER_TYPE, required=True)
        if type in NEEDS_TIME_IN_FORCE:
            p.required("timeInForce")
        time_in_force = p.choice("timeInForce", TIMES_IN_FORCE, error=errors.INVALID_TIME_IN_FORCE)
        side_effect = p.choice("sideEffectType", SIDE_EFFECTS)
        default_response = "FULL" if type in (Order.Type.MARKET, Order.Type.LIMIT) else "ACK"
        response_type = p.choice("newOrderRespType", RESPONSE_TYPES) or default_response
        account = _route(self)
        order = orders.order_place(
            user=request.user,
            account_id=account.pk,
            symbol=symbol,
            side=side,
            type=type,
            quantity=p.decimal("quantity"),
            quote_quantity=p.decimal("quoteOrderQty"),
            price=p.decimal("price"),
            stop_price=p.decimal("stopPrice"),
            time_in_force=time_in_force,
            side_effect=side_effect,
            client_order_id=p.get("newClientOrderId"),
            auto_repay_at_cancel=p.flag("autoRepayAtCancel", default=True),
        )
        trades = selectors.trades_of(order) if response_type == "FULL" else []
        return Response(formats.new_order(order, response_type=response_type, trades=trades))

    def _find(self):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = _route(self)
        return selectors.order_find(
            user=self.request.user,
            account=account,
            pair=pair,
            order_id=p.id("orderId"),
            client_order_id=p.get("origClientOrderId"),
        )

    def get(self, request):
        return Response(formats.order(self._find()))

    def delete(self, request):
        order = orders.order_cancel(user=request.user, order_id=self._find().pk)
        return Response(formats.cancelled_order(order, client_order_id=_client_order_id(self.params)))


class OpenOrdersApi(BinanceApi):
    """GET: open orders (all the cross account's without a symbol); DELETE: cancel a symbol's open orders."""

    security = {"GET": USER_DATA, "DELETE": TRADE}
    action = {"GET": "query", "DELETE": "cancel"}

    def weight_for(self, request) -> int:
        return 10 if request.method == "DELETE" or "symbol" in self.params else 40

    def get(self, request):
        p = self.params
        account = _route(self)
        pair = selectors.pair_get(p.symbol()) if "symbol" in p else None
        return Response([formats.order(order) for order in selectors.open_orders(account=account, pair=pair)])

    def delete(self, request):
        p = self.params
        symbol = p.symbol(required=True)
        account = _route(self)
        cancelled = orders.orders_cancel_all(user=request.user, account_id=account.pk, symbol=symbol)
        return Response([formats.cancelled_order(o, client_order_id=uuid.uuid4().hex[:22]) for o in cancelled])


def _time_window(p: Params) -> dict:
    return {"start": p.time("startTime"), "end": p.time("endTime")}


class AllOrdersApi(BinanceApi):
    security = USER_DATA
    weight = 200

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = _route(self)
        found = selectors.all_orders(
            account=account,
            pair=pair,
            from_id=p.id("orderId"),
            **_time_window(p),
            limit=p.limit(default=500, maximum=500),
        )
        return Response([formats.order(order) for order in found])


class MyTradesApi(BinanceApi):
    security = USER_DATA
    weight = 10

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = _route(self)
        found = selectors.my_trades(
            account=account,
            pair=pair,
            order_id=p.id("orderId"),
            from_id=p.id("fromId"),
            **_time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.trade(t) for t in found])


# --- borrowing and repaying ----------------------------------------------------------------------------


class BorrowRepayApi(BinanceApi):
    """POST margin/borrow-repay (type BORROW or REPAY); the older margin/loan and margin/repay set ``kind``."""

    security = TRADE
    uid_weight = 1500
    kind: str | None = None

    def post(self, request):
        p = self.params
        kind = self.kind or p.choice("type", ("BORROW", "REPAY"), required=True)
        self.current_action = "borrow" if kind == "BORROW" else "repay"
        asset = p.required("asset")
        amount = p.decimal("amount", required=True)
        account = _route(self)
        service = loans.loan_borrow if kind == "BORROW" else loans.loan_repay
        event = service(user=request.user, account_id=account.pk, asset=asset, amount=amount)
        return Response({"tranId": event.pk})


class LoanApi(BorrowRepayApi):
    uid_weight = 3000
    kind = "BORROW"


class RepayApi(BorrowRepayApi):
    uid_weight = 3000
    kind = "REPAY"


class MaxBorrowableApi(BinanceApi):
    security = USER_DATA
    weight = 50

    def get(self, request):
        p = self.params
        asset = trading_selectors.asset_get(code=p.required("asset"))
        symbol = p.symbol("isolatedSymbol")
        account = selectors.margin_account_route(user=request.user, is_isolated=symbol is not None, symbol=symbol)
        amount = loans.max_borrowable_get(user=request.user, account_id=account.pk, asset=asset.code)
        return Response({"amount": formats.amount(amount), "borrowLimit": formats.amount(asset.borrow_limit)})


# --- transfers -----------------------------------------------------------------------------------------

# Binance's universal transfer types between the accounts MarginLab has: (from, to), each "spot", "cross"
# or "isolated" (the isolated account of fromSymbol / toSymbol).
TRANSFER_TYPES = {
    "MAIN_MARGIN": ("spot", "cross"),
    "MARGIN_MAIN": ("cross", "spot"),
    "MAIN_ISOLATED_MARGIN": ("spot", "isolated"),
    "ISOLATED_MARGIN_MAIN": ("isolated", "spot"),
    "MARGIN_ISOLATEDMARGIN": ("cross", "isolated"),
    "ISOLATEDMARGIN_MARGIN": ("isolated", "cross"),
    "ISOLATEDMARGIN_ISOLATEDMARGIN": ("isolated", "isolated"),
}


class TransferBaseApi(BinanceApi):
    security = TRADE
    uid_weight = 600
    action = "transfer"

    def account(self, kind: str, symbol_param: str):
        user = cast(User, self.request.user)  # SignedAuthentication admitted only a user's API key
        if kind == "spot":
            return selectors.spot_account_get(user=user)
        if kind == "cross":
            return selectors.cross_account_get(user=user)
        return selectors.isolated_account_get(user=user, symbol=self.params.symbol(symbol_param, required=True))

    def transfer(self, source, target) -> Response:
        p = self.params
        done = transfers.transfer_create(
            user=cast(User, self.request.user),  # as in account()
            from_account_id=source.pk,
            to_account_id=target.pk,
            asset=p.required("asset"),
            amount=p.decimal("amount", required=True),
        )
        return Response({"tranId": done.pk})


class UniversalTransferApi(TransferBaseApi):
    """POST asset/transfer, as ccxt's transfer() sends it."""

    uid_weight = 900

    def post(self, request):
        kind = self.params.choice("type", TRANSFER_TYPES, required=True)
        source_kind, target_kind = TRANSFER_TYPES[kind]
        return self.transfer(self.account(source_kind, "fromSymbol"), self.account(target_kind, "toSymbol"))


class MarginTransferApi(TransferBaseApi):
    """The older POST margin/transfer: type 1 spot -> cross, 2 cross -> spot."""

    def post(self, request):
        kind = self.params.choice("type", ("1", "2"), required=True)
        route = ("spot", "cross") if kind == "1" else ("cross", "spot")
        return self.transfer(self.account(route[0], "symbol"), self.account(route[1], "symbol"))


class IsolatedTransferApi(TransferBaseApi):
    """The older POST margin/isolated/transfer: transFrom / transTo SPOT or ISOLATED_MARGIN, and symbol."""

    SIDES = {"SPOT": "spot", "ISOLATED_MARGIN": "isolated"}

    def post(self, request):
        p = self.params
        source = self.SIDES[p.choice("transFrom", self.SIDES, required=True)]
        target = self.SIDES[p.choice("transTo", self.SIDES, required=True)]
        return self.transfer(self.account(source, "symbol"), self.account(target, "symbol"))


class UnsupportedApi(BinanceApi):
    """Any other path under Binance's prefixes: Binance's shape, not an HTML 404 page."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise errors.BinanceError(errors.UNSUPPORTED_OPERATION, status_code=404)

    def get(self, request, *args, **kwargs):
        raise errors.BinanceError(errors.UNSUPPORTED_OPERATION, status_code=404)

    post = put = delete = get
