"""The futures wallet, positions and per-symbol settings: account, balance, positionRisk, leverageBracket,
leverage, marginType, positionMargin (and its history), income, position mode, commission, configs."""

from __future__ import annotations

from rest_framework.response import Response

from futures.fapi import errors, formats, selectors
from futures.fapi.views.base import TRADE, USER_DATA, FapiApi, time_window
from futures.models import Income, MarginType
from futures.services import position_margin, symbol_settings
from trading import selectors as trading_selectors
from trading.binance.auth import now_ms
from trading.binance.formats import amount, ms


class AccountApi(FapiApi):
    """account v2 (every symbol's position) and v3 (open positions only)."""

    security = USER_DATA
    weight = 5
    version = 3

    def get(self, request):
        market = selectors.market()
        state = selectors.state_of(self.user, market)
        if self.version == 3:
            return Response(formats.account_v3(state, now=now_ms()))
        settings = selectors.settings_of(self.user, market)
        return Response(formats.account_v2(state, settings=settings, infos=list(market.values()), now=now_ms()))


class BalanceApi(FapiApi):
    """balance v2 and v3: the one margin asset, USDT."""

    security = USER_DATA
    weight = 5

    def get(self, request):
        state = selectors.state_of(self.user, selectors.market())
        return Response(formats.balance(state, alias=f"ml{self.user.pk}", now=now_ms()))


class PositionRiskApi(FapiApi):
    """positionRisk v2 (every symbol, flat ones too) and v3 (open positions only)."""

    security = USER_DATA
    weight = 5
    version = 3

    def get(self, request):
        market = selectors.market()
        info = self.symbol(market, required=False)
        state = selectors.state_of(self.user, market)
        risks = {p.info.code: p for p in (state.positions if state else [])}
        if self.version == 3:
            return Response([formats.position_v3(r) for code, r in risks.items() if info is None or code == info.code])
        settings = selectors.settings_of(self.user, market)
        infos = [info] if info is not None else selectors.priced(market.values())
        return Response(
            [
                formats.position_v2(
                    i, risks.get(i.code), leverage=settings[i.symbol.pk][0], margin_type=settings[i.symbol.pk][1]
                )
                for i in infos
                if i.mark_price is not None
            ]
        )


class LeverageBracketApi(FapiApi):
    security = USER_DATA

    def get(self, request):
        market = selectors.market()
        info = self.symbol(market, required=False)
        if info is not None:
            # With a symbol Binance answers that symbol's entry alone.
            return Response(formats.brackets(info))
        return Response([formats.brackets(i) for i in market.values()])


class SymbolConfigApi(FapiApi):
    """What ccxt's fetch_leverage(s) and fetch_margin_mode read.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Symbol-Config
    """

    security = USER_DATA
    weight = 5

    def get(self, request):
        market = selectors.market()
        info = self.symbol(market, required=False)
        settings = selectors.settings_of(self.user, market)
        return Response(
            [
                {
                    "symbol": i.code,
                    "marginType": settings[i.symbol.pk][1],
                    "isAutoAddMargin": False,
                    "leverage": settings[i.symbol.pk][0],
                    "maxNotionalValue": amount(formats.max_notional(i, settings[i.symbol.pk][0])),
                }
                for i in ([info] if info else market.values())
            ]
        )


class AccountConfigApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Account-Config"""

    security = USER_DATA
    weight = 5

    def get(self, request):
        return Response(
            {
                "feeTier": 0,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": True,
                "dualSidePosition": False,
                "updateTime": 0,
                "multiAssetsMargin": False,
                "tradeGroupId": -1,
            }
        )


class LeverageApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Initial-Leverage"""

    security = TRADE

    def post(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        p.required("leverage")
        leverage = p.integer("leverage")
        setting = symbol_settings.futures_leverage_set(user=self.user, symbol=info.code, leverage=leverage)
        return Response(
            {
                "leverage": setting.leverage,
                "maxNotionalValue": amount(formats.max_notional(info, setting.leverage)),
                "symbol": info.code,
            }
        )


class MarginTypeApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Margin-Type"""

    security = TRADE

    def post(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        margin_type = p.choice("marginType", MarginType.values, required=True)
        symbol_settings.futures_margin_type_set(user=self.user, symbol=info.code, margin_type=margin_type)
        return Response({"code": 200, "msg": "success"})


class PositionMarginApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Modify-Isolated-Position-Margin"""

    security = TRADE
    action = "margin"

    def post(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        p.choice("positionSide", ("BOTH",), error=errors.POSITION_SIDE_MISMATCH)
        amount_ = p.decimal("amount", required=True)
        kind = p.choice("type", ("1", "2"), required=True)
        position_margin.futures_position_margin_change(user=self.user, symbol=info.code, amount=amount_, type=kind)
        return Response(
            {
                "amount": float(amount_),  # Binance answers a JSON number
                "code": 200,
                "msg": "Successfully modify position margin.",
                "type": int(kind),
            }
        )


class PositionMarginHistoryApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Get-Position-Margin-Change-History"""

    security = USER_DATA

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        kind = p.choice("type", ("1", "2"))
        changes = selectors.margin_changes(
            user=self.user,
            info=info,
            type=int(kind) if kind else None,
            **time_window(p),
            limit=p.limit(default=500, maximum=500),
        )
        return Response(
            [
                {
                    "symbol": c.symbol,
                    "type": 1 if c.added else 2,
                    "deltaType": "USER_ADJUST",
                    "amount": amount(c.amount),
                    "asset": "USDT",
                    "time": ms(c.time),
                    "positionSide": "BOTH",
                }
                for c in changes
            ]
        )


class IncomeApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History"""

    security = USER_DATA
    weight = 30

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market(), required=False)
        income_type = p.choice("incomeType", Income.Type.values)
        rows = selectors.income(
            user=self.user,
            info=info,
            income_type=income_type,
            **time_window(p),
            limit=p.limit(default=100, maximum=1000),
        )
        return Response([formats.income(row) for row in rows])


class PositionSideDualApi(FapiApi):
    """One-way mode only: GET says so; POST true is refused, POST false is Binance's "no need to change".
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Position-Mode
    """

    security = {"GET": USER_DATA, "POST": TRADE}
    weight = {"GET": 30, "POST": 1}

    def get(self, request):
        return Response({"dualSidePosition": False})

    def post(self, request):
        p = self.params
        p.required("dualSidePosition")
        dual = p.flag("dualSidePosition")
        symbol_settings.futures_position_mode_set(user=self.user, dual_side_position=dual)
        raise errors.BinanceError(errors.NO_NEED_TO_CHANGE_POSITION_SIDE)


class CommissionRateApi(FapiApi):
    """The platform's fees, which futures fills pay (``futures.services.orders``).
    https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/User-Commission-Rate
    """

    security = USER_DATA
    weight = 20

    def get(self, request):
        info = self.symbol(selectors.market())
        settings = trading_selectors.platform_settings_get()
        return Response(
            {
                "symbol": info.code,
                "makerCommissionRate": f"{settings.maker_fee.normalize():f}",
                "takerCommissionRate": f"{settings.taker_fee.normalize():f}",
            }
        )
