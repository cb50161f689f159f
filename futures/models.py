"""USDⓈ-M perpetual futures: symbols with their leverage brackets, per-symbol settings, one-way positions,
orders, trades, income and funding.

Money stays in trading's ledger: the futures wallet is a trading ``Account`` of kind ``futures`` whose USDT
``Balance`` holds the cross wallet balance in ``free`` and the isolated positions' margins in ``locked``
(their sum is ``FuturesPosition.isolated_margin``). Field names follow Binance's /fapi answers
(positionAmt, entryPrice, isolatedMargin, marginType, reduceOnly, closePosition, workingType, income
types) so that a later /fapi door maps onto them one to one.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from trading.models import Account, JournalEntry, Pair, amount_field, ratio_field


def signed_amount_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(max_digits=32, decimal_places=8, **kwargs)


class MarginType(models.TextChoices):
    CROSSED = "CROSSED"
    ISOLATED = "ISOLATED"


class FuturesSymbol(models.Model):
    """A USDT-margined perpetual; its index is the linked spot pair's mark price."""

    symbol = models.CharField(max_length=32, unique=True)
    pair = models.OneToOneField(Pair, on_delete=models.PROTECT, related_name="perpetual")
    tick_size = amount_field()
    step_size = amount_field()
    min_qty = amount_field()
    min_notional = amount_field()
    # The simulated premium of the perpetual over its index (the spot pair's mark price):
    # mark = index x (1 + basis), on the tick; staff move it in the admin, funding follows it.
    basis_rate = models.DecimalField(max_digits=12, decimal_places=8, default=Decimal(0))
    # Binance's clearance fee on liquidation, a share of the notional, paid to the insurance fund.
    liquidation_fee_rate = ratio_field(default=Decimal("0.005"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tick_size__gt=0, step_size__gt=0, min_qty__gte=0, min_notional__gte=0),
                name="futures_symbol_filters_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.symbol


class LeverageBracket(models.Model):
    """One notional tier of a symbol: Binance's leverageBracket (notionalFloor, notionalCap, initialLeverage,
    maintMarginRatio, cum)."""

    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.CASCADE, related_name="brackets")
    bracket = models.PositiveSmallIntegerField()
    notional_floor = amount_field()
    notional_cap = amount_field()
    max_leverage = models.PositiveSmallIntegerField()
    maint_margin_ratio = ratio_field()
    cum = amount_field()

    class Meta:
        ordering = ["symbol", "bracket"]
        constraints = [
            models.UniqueConstraint(fields=["symbol", "bracket"], name="bracket_unique_level"),
            models.CheckConstraint(
                condition=Q(notional_cap__gt=models.F("notional_floor"), max_leverage__gte=1, maint_margin_ratio__gt=0),
                name="bracket_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol_id} #{self.bracket} <{self.notional_cap} {self.max_leverage}x"


class FuturesSetting(models.Model):
    """A user's leverage and margin type on one symbol (Binance's defaults: 20x, cross)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="futures_settings")
    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.PROTECT, related_name="+")
    leverage = models.PositiveSmallIntegerField(default=20)
    margin_type = models.CharField(max_length=8, choices=MarginType.choices, default=MarginType.CROSSED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "symbol"], name="futures_setting_unique"),
            models.CheckConstraint(condition=Q(leverage__gte=1), name="futures_setting_leverage_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.symbol_id} {self.margin_type} {self.leverage}x"


class FuturesPosition(models.Model):
    """A one-way (BOTH) position: signed quantity, long > 0, short < 0; a row stays when flat."""

    # No index of its own either: the one-way constraint's (account, symbol) index serves the wallet's
    # reads, and every index costs each band write (a band column is indexed, so no write is HOT).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="futures_positions", db_index=False)
    # No index of its own: the band indexes below start with the symbol. With a plain one, the planner
    # (which cannot see that a symbol's bands sit around its own mark) reads all the symbol's positions
    # instead of the few out of their band.
    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.PROTECT, related_name="positions", db_index=False)
    position_amt = signed_amount_field()
    entry_price = amount_field()
    margin_type = models.CharField(max_length=8, choices=MarginType.choices, default=MarginType.CROSSED)
    leverage = models.PositiveSmallIntegerField(default=20)
    # The isolated wallet of this position (in the futures balance's locked bucket); 0 when cross.
    isolated_margin = amount_field()
    updated_at = models.DateTimeField(auto_now=True)
    # The sweep's band (see futures.services.bands): while the mark stays within [band_low, band_high] and
    # the wallet is not written, the wallet stays under the warning line; NULL: not valued since the wallet
    # last changed (``band_touched_at``), so the next sweep values it.
    band_low = models.DecimalField(max_digits=32, decimal_places=8, null=True, blank=True)
    band_high = models.DecimalField(max_digits=32, decimal_places=8, null=True, blank=True)
    band_touched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account_id", "symbol_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "symbol"], name="futures_position_one_way"),
            models.CheckConstraint(condition=Q(isolated_margin__gte=0), name="futures_isolated_margin_not_negative"),
        ]
        indexes = [
            # A tick finds the moved symbols' positions out of their band (or without one) by these.
            models.Index(fields=["symbol", "band_low"], condition=~Q(position_amt=0), name="futures_position_band_low"),
            models.Index(
                fields=["symbol", "band_high"], condition=~Q(position_amt=0), name="futures_position_band_high"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.symbol_id} {self.position_amt}"


class FuturesOrder(models.Model):
    class Side(models.TextChoices):
        BUY = "BUY"
        SELL = "SELL"

    class Type(models.TextChoices):
        MARKET = "MARKET"
        LIMIT = "LIMIT"
        STOP = "STOP"
        STOP_MARKET = "STOP_MARKET"
        TAKE_PROFIT = "TAKE_PROFIT"
        TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"
        TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"

    class TimeInForce(models.TextChoices):
        GTC = "GTC"
        IOC = "IOC"
        FOK = "FOK"
        GTX = "GTX"

    class WorkingType(models.TextChoices):
        MARK_PRICE = "MARK_PRICE"
        CONTRACT_PRICE = "CONTRACT_PRICE"

    class Status(models.TextChoices):
        NEW = "NEW"
        PARTIALLY_FILLED = "PARTIALLY_FILLED"
        FILLED = "FILLED"
        CANCELED = "CANCELED"
        EXPIRED = "EXPIRED"
        REJECTED = "REJECTED"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="futures_orders")
    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.PROTECT, related_name="orders")
    side = models.CharField(max_length=4, choices=Side.choices)
    position_side = models.CharField(max_length=5, default="BOTH")
    type = models.CharField(max_length=20, choices=Type.choices)
    time_in_force = models.CharField(max_length=3, choices=TimeInForce.choices, blank=True)
    orig_qty = amount_field()
    price = amount_field()
    stop_price = amount_field()
    reduce_only = models.BooleanField(default=False)
    close_position = models.BooleanField(default=False)
    working_type = models.CharField(max_length=14, choices=WorkingType.choices, default=WorkingType.CONTRACT_PRICE)
    # TRAILING_STOP_MARKET: the callback rate in percent, the price that activates it (0: at once), and the
    # best price seen since it was activated (0 until then), which it trails.
    callback_rate = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    activation_price = amount_field()
    trail_price = amount_field()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    executed_qty = amount_field()
    avg_price = amount_field()
    cum_quote = amount_field()
    client_order_id = models.CharField(max_length=36)
    status_reason = models.CharField(max_length=120, blank=True)
    # The type it was placed as: a STOP or TAKE_PROFIT works as a LIMIT once triggered (``type``), and
    # Binance still names it by its origType.
    orig_type = models.CharField(max_length=20, choices=Type.choices, blank=True)
    # "CONDITIONAL" when placed through Binance's algo service (/fapi/v1/algoOrder): the same order, whose
    # pk is its algoId and whose client_order_id is its clientAlgoId; until it triggers, only the algo
    # endpoints show it, as on Binance. Blank for an order placed through /fapi/v1/order or /api/v1.
    algo_type = models.CharField(max_length=12, blank=True)
    # When its stop (or trailing stop) triggered; NULL while it waits (and for plain orders).
    triggered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "client_order_id"], name="futures_order_unique_client_id"),
        ]
        indexes = [models.Index(fields=["symbol", "status"], name="futures_order_open_by_symbol")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.side} {self.symbol_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.PARTIALLY_FILLED)


OPEN_ORDER_STATUSES = (FuturesOrder.Status.NEW, FuturesOrder.Status.PARTIALLY_FILLED)
# The one algo type Binance's USDⓈ-M algo service takes (New Algo Order: "Only support CONDITIONAL").
ALGO_CONDITIONAL = "CONDITIONAL"
# The status_reason of a liquidation's own order and of the orders it removes (which it EXPIRES).
LIQUIDATION_REASON = "liquidation"


class FuturesTrade(models.Model):
    order = models.ForeignKey(FuturesOrder, on_delete=models.CASCADE, related_name="trades")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="futures_trades")
    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=FuturesOrder.Side.choices)
    price = amount_field()
    qty = amount_field()
    quote_qty = amount_field()
    commission = amount_field()
    realized_pnl = signed_amount_field()
    maker = models.BooleanField(default=False)
    # The symbol's mark when the fill was made: what the explained replay values the position at then
    # (null on fills made before it was kept; the replay falls back to the fill price).
    mark_price = models.DecimalField(max_digits=32, decimal_places=8, null=True, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.side} {self.qty} {self.symbol_id} @ {self.price}"


class Income(models.Model):
    """Binance's income history: every change of the futures wallet, each with its journal entry."""

    class Type(models.TextChoices):
        TRANSFER = "TRANSFER"
        REALIZED_PNL = "REALIZED_PNL"
        FUNDING_FEE = "FUNDING_FEE"
        COMMISSION = "COMMISSION"
        INSURANCE_CLEAR = "INSURANCE_CLEAR"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="futures_income")
    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    income_type = models.CharField(max_length=16, choices=Type.choices)
    income = signed_amount_field()
    asset = models.CharField(max_length=16, default="USDT")
    info = models.CharField(max_length=120, blank=True)
    trade = models.ForeignKey(FuturesTrade, on_delete=models.CASCADE, null=True, blank=True, related_name="income")
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    time = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"], name="futures_income_recent")]

    def __str__(self) -> str:
        return f"{self.income_type} {self.income:+}"


class FundingRate(models.Model):
    """One funding interval of a symbol; unique per time, which is what makes applying it idempotent."""

    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.CASCADE, related_name="funding_rates")
    funding_time = models.DateTimeField()
    funding_rate = models.DecimalField(max_digits=12, decimal_places=8)
    mark_price = amount_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-funding_time"]
        constraints = [models.UniqueConstraint(fields=["symbol", "funding_time"], name="funding_rate_unique_time")]

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.funding_time:%Y-%m-%d %H:%M} {self.funding_rate}"


class FuturesLiquidation(models.Model):
    """A forced close: what was closed, the fee and surplus that went to the insurance fund, and the
    shortfall it covered (``uncovered``: what the fund did not hold; recorded, no auto-deleveraging)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="futures_liquidations")
    symbol = models.ForeignKey(FuturesSymbol, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    margin_type = models.CharField(max_length=8, choices=MarginType.choices)
    margin_balance = signed_amount_field()
    maintenance = amount_field()
    positions_closed = models.PositiveSmallIntegerField(default=0)
    orders_cancelled = models.PositiveSmallIntegerField(default=0)
    realized_pnl = signed_amount_field()
    to_insurance = amount_field()
    shortfall = amount_field()
    uncovered = amount_field()
    # The numbers of the moment, as text (``futures.services.liquidation.snapshot_of``): the wallets and each
    # position closed with its mark, bracket, maintenance margin and ratio, so that the explained replay
    # says exactly what the rule saw, whatever the brackets or the basis become later.
    snapshot = models.JSONField(default=dict, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.margin_type} {self.symbol_id or 'cross'}"


class FuturesWarning(models.Model):
    """The last margin-ratio warning sent for a futures account, so one episode warns once."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="futures_warning")
    margin_ratio = ratio_field()
    sent_at = models.DateTimeField()
    cleared = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"#{self.account_id} {self.margin_ratio}"


class FuturesSweepBaseline(models.Model):
    """What the bands were computed against (one row): the marks of the last sweep, which tell a tick
    which symbols moved, and a fingerprint of the brackets and lines; when that changes, every band goes."""

    marks = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    swept_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"futures sweep baseline {self.swept_at}"
