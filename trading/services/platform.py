"""Staff: the platform's trading settings and the assets' borrowing terms."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.errors import ApplicationError, NotFound
from trading.models import Asset, FillModel, Market, PlatformSettings, RiskProfile
from trading.services.common import clean_amount
from trading.services.interest_rates import interest_rate_schedule

ONE = Decimal(1)
MAX_SLIPPAGE_BPS = Decimal(10000)


def _rate(value, *, field: str, below: Decimal = ONE) -> Decimal:
    """A rate like 0.001 (0.1 %): at least zero, below ``below``."""
    rate = clean_amount(value, field=field, allow_zero=True)
    if rate >= below:
        raise ApplicationError(f"{field} must be below {below}.", fields={field: [f"Must be below {below}."]})
    return rate


def platform_settings_update(
    *,
    maker_fee=None,
    taker_fee=None,
    slippage_bps=None,
    liquidation_fee=None,
    risk_profile: str | None = None,
    fill_model: str | None = None,
) -> PlatformSettings:
    """Change any of the given settings (None: leave as is). Applies to every order and sweep from now on."""
    changes: dict = {}
    for field, value in (("maker_fee", maker_fee), ("taker_fee", taker_fee), ("liquidation_fee", liquidation_fee)):
        if value is not None:
            changes[field] = _rate(value, field=field)
    if slippage_bps is not None:
        slippage = _rate(slippage_bps, field="slippage_bps", below=MAX_SLIPPAGE_BPS)
        if slippage != slippage.quantize(Decimal("0.01")):
            raise ApplicationError(
                "slippage_bps has more than 2 decimal places.", fields={"slippage_bps": ["At most 2 decimal places."]}
            )
        changes["slippage_bps"] = slippage
    if risk_profile is not None:
        profile = RiskProfile.objects.filter(name=risk_profile).first() if isinstance(risk_profile, str) else None
        if profile is None:
            names = ", ".join(RiskProfile.objects.order_by("name").values_list("name", flat=True))
            raise ApplicationError(
                f"Unknown risk profile {risk_profile!r}; choose one of {names}.",
                code="unknown_risk_profile",
                fields={"risk_profile": [f"One of {names}."]},
            )
        changes["risk_profile"] = profile
    if fill_model is not None:
        if fill_model not in FillModel.values:
            names = ", ".join(FillModel.values)
            raise ApplicationError(
                f"Unknown fill model {fill_model!r}; choose one of {names}.",
                code="unknown_fill_model",
                fields={"fill_model": [f"One of {names}."]},
            )
        changes["fill_model"] = fill_model
    with transaction.atomic():
        settings = PlatformSettings.objects.select_for_update().select_related("risk_profile").get(pk=1)
        for field, value in changes.items():
            setattr(settings, field, value)
        if changes:
            settings.save(update_fields=list(changes))
    return settings


def asset_update(*, code: str, daily_interest_rate=None, borrow_limit=None, market: Market | None = None) -> Asset:
    """Change an asset's daily interest rate and per-account borrow limit (None: leave as is).

    A new rate applies to the hours charged from now on; a lower limit stops new borrowing above it but
    calls in no loan.
    """
    changes: dict = {}
    rate = None if daily_interest_rate is None else _rate(daily_interest_rate, field="daily_interest_rate")
    if borrow_limit is not None:
        changes["borrow_limit"] = clean_amount(borrow_limit, field="borrow_limit", allow_zero=True)
    with transaction.atomic():
        assets = Asset.objects if market is None else Asset.in_all_markets.filter(market=market)
        asset = assets.select_for_update().filter(code=str(code).upper()).first()
        if asset is None:
            raise NotFound(f"Unknown asset: {code!r}.", code="unknown_asset")
        for field, value in changes.items():
            setattr(asset, field, value)
        if changes:
            asset.save(update_fields=list(changes))
        if rate is not None:
            # From this clock hour on, as an entry of the rate schedule (which also sets the shown rate).
            interest_rate_schedule(asset=asset.code, daily_rate=rate)
            asset.refresh_from_db(fields=["daily_interest_rate"])
    return asset
