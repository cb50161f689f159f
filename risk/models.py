from decimal import Decimal

from django.db import models
from django.db.models import Q

# --- price feeds ------------------------------------------------------------------------------------


class PriceFeed(models.Model):
    """How the simulated market moves one pair (risk.price_sources.SimulatedSource)."""

    pair = models.OneToOneField("trading.Pair", on_delete=models.CASCADE, primary_key=True, related_name="feed")
    volatility = models.DecimalField(
        max_digits=12,
        decimal_places=8,
        default=Decimal("0.002"),
        help_text="Standard deviation of the log return per price tick, e.g. 0.002 = 0.2 %.",
    )
    drift = models.DecimalField(
        max_digits=12, decimal_places=8, default=Decimal(0), help_text="Mean log return per price tick."
    )
    enabled = models.BooleanField(default=True, help_text="Off: no price source moves this pair.")

    class Meta:
        ordering = ["pair"]
        constraints = [models.CheckConstraint(condition=Q(volatility__gte=0), name="price_feed_volatility_positive")]

    def __str__(self) -> str:
        return f"{self.pair_id} feed"


class PriceSourceState(models.Model):
    """A price source's position: the simulation's step counter, the replay's cursor (candles played)."""

    name = models.CharField(max_length=32, primary_key=True)
    step = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at step {self.step}"


# --- the engine's state and history -----------------------------------------------------------------


class RiskStatus(models.TextChoices):
    NORMAL = "NORMAL"
    MARGIN_CALL = "MARGIN_CALL"
    LIQUIDATION = "LIQUIDATION"


def _level_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=40, decimal_places=18, null=True, blank=True, **kwargs)


def _value_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(max_digits=32, decimal_places=8, **kwargs)


class AccountRisk(models.Model):
    """The engine's last word on a margin account: what the next sweep compares against.

    Written when the account needed attention (status change, margin call, snapshot, liquidation),
    not on every tick: the live level is always computed from the balances, set-based.
    """

    account = models.OneToOneField("trading.Account", on_delete=models.CASCADE, primary_key=True, related_name="risk")
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.NORMAL)
    margin_level = _level_field()
    asset_value = _value_field()
    debt_value = _value_field()
    checked_at = models.DateTimeField()
    status_since = models.DateTimeField()
    margin_call_at = models.DateTimeField(null=True, blank=True)
    snapshot_at = models.DateTimeField(null=True, blank=True)
    # Within the watch factor of the margin-call line when a full sweep last valued it (see SweepBaseline).
    watched = models.BooleanField(default=False)

    class Meta:
        verbose_name = "account risk"
        indexes = [
            models.Index(fields=["status", "margin_level"], name="accountrisk_status_level"),
            # What a tick looks at besides the ledger's changes: watched or not NORMAL.
            models.Index(
                fields=["account"], name="accountrisk_watched", condition=Q(watched=True) | ~Q(status="NORMAL")
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.status} {self.margin_level}"


class SweepBaseline(models.Model):
    """What a full sweep (or one of its chunks) last valued its accounts at: the watch flags of accounts
    ``first_account``..``last_account`` were set at these prices, against this highest margin-call line.

    A tick trusts these flags, and skips the unwatched accounts, while every price is within
    the watch factor of these and the line has not risen: an account valued above factor x line cannot
    have reached the line since, unless the ledger changed its balances (those a tick values anyway).
    """

    first_account = models.BigIntegerField(primary_key=True)
    last_account = models.BigIntegerField()
    swept_at = models.DateTimeField()
    prices = models.JSONField(help_text="Mark price of each asset id, as text.")
    profile = models.ForeignKey("trading.RiskProfile", on_delete=models.CASCADE, related_name="+")
    margin_call = models.DecimalField(max_digits=12, decimal_places=8, help_text="The profile's highest line.")

    class Meta:
        ordering = ["first_account"]

    def __str__(self) -> str:
        return f"accounts {self.first_account}-{self.last_account} at {self.swept_at:%H:%M:%S}"


class MarginSnapshot(models.Model):
    class Reason(models.TextChoices):
        STATUS_CHANGE = "status_change"
        INTERVAL = "interval"
        LIQUIDATION = "liquidation"

    account = models.ForeignKey("trading.Account", on_delete=models.CASCADE, related_name="snapshots")
    margin_level = _level_field()
    status = models.CharField(max_length=12, choices=RiskStatus.choices)
    asset_value = _value_field()
    debt_value = _value_field()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="snapshot_account_recent")]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.status} {self.margin_level} ({self.reason})"


class MarginCall(models.Model):
    account = models.ForeignKey("trading.Account", on_delete=models.CASCADE, related_name="margin_calls")
    margin_level = _level_field()
    margin_call_ratio = models.DecimalField(max_digits=12, decimal_places=8)
    liquidation_ratio = models.DecimalField(max_digits=12, decimal_places=8)
    profile = models.CharField(max_length=32)
    asset_value = _value_field()
    debt_value = _value_field()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"margin call #{self.account_id} at {self.margin_level}"


class Liquidation(models.Model):
    """A liquidation that explains itself: why it fired, at what prices, what it did to the balances."""

    account = models.ForeignKey("trading.Account", on_delete=models.CASCADE, related_name="liquidations")
    account_kind = models.CharField(max_length=8)
    margin_level = _level_field()
    liquidation_ratio = models.DecimalField(max_digits=12, decimal_places=8)
    profile = models.CharField(max_length=32)
    prices = models.JSONField(help_text="Mark prices used, by asset.")
    balances_before = models.JSONField()
    balances_after = models.JSONField()
    asset_value = _value_field()
    debt_value = _value_field()
    value_liquidated = _value_field()
    fee_nominal = _value_field(help_text="The liquidation fee rate times the value liquidated.")
    fee = _value_field(help_text="The fee charged: never more than the equity left after the debts.")
    shortfall = _value_field(help_text="Debt the assets did not cover, paid by the insurance fund.")
    entry = models.OneToOneField("trading.JournalEntry", on_delete=models.PROTECT, related_name="liquidation")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"liquidation #{self.pk} of account #{self.account_id}"


class EngineLock(models.Model):
    """A named lease where advisory locks are missing (SQLite): taken with one conditional UPDATE, it
    expires, so a killed holder frees it. On PostgreSQL leases are advisory locks (risk.services.leases)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'} until {self.expires_at}"
