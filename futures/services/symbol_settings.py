"""Per-symbol leverage and margin type, and the one position mode (one-way)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from futures import formulas as f
from futures import selectors
from futures.models import FuturesSetting, MarginType
from futures.services.common import FuturesError, clean_choice, wallet_lock
from futures.services.wallet import futures_wallet_open


def _clean_leverage(value) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise FuturesError(
            "Leverage must be a whole number.", code="invalid_leverage", fields={"leverage": ["A whole number."]}
        )
    return int(value)


def _setting_lock(wallet, symbol) -> FuturesSetting:
    setting, _ = FuturesSetting.objects.select_for_update().get_or_create(
        account=wallet, symbol=symbol, defaults={"leverage": selectors.DEFAULT_LEVERAGE}
    )
    return setting


def futures_leverage_set(*, user, symbol: str, leverage) -> FuturesSetting:
    """Set the symbol's leverage, 1 up to the bracket's maximum for the current position's notional.

    Binance answers -4028 "Leverage N is not valid" outside that range. An open position takes the new
    leverage too (its initial margin changes with it; an isolated one keeps its margin).
    """
    market = selectors.market_for_user(user=user)
    info = selectors.symbol_get(market=market, symbol=symbol)
    leverage = _clean_leverage(leverage)
    wallet = futures_wallet_open(user=user)
    with transaction.atomic():
        locked = wallet_lock(wallet.pk)
        position = locked.positions.get(info.symbol.pk)
        notional_value = f.notional(quantity=position.position_amt, price=info.mark) if position else Decimal(0)
        most = info.max_leverage(notional_value)
        if not 1 <= leverage <= most:
            raise FuturesError(
                f"Leverage {leverage} is not valid: {info.code} allows 1 to {most}x for this position's notional.",
                code="invalid_leverage",
                fields={"leverage": [f"From 1 to {most}."]},
            )
        setting = _setting_lock(locked.account, info.symbol)
        setting.leverage = leverage
        setting.save(update_fields=["leverage"])
        if position is not None:
            position.leverage = leverage
            position.save(update_fields=["leverage", "updated_at"])
        return setting


def futures_margin_type_set(*, user, symbol: str, margin_type) -> FuturesSetting:
    """Switch a symbol between CROSSED and ISOLATED; refused while it has a position or open orders.

    Binance's rule and messages: -4048 "Margin type cannot be changed if there exists position.", -4047
    "Margin type cannot be changed if there exists open orders.", -4046 "No need to change margin type."
    Other symbols are not affected.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Margin-Type
    """
    market = selectors.market_for_user(user=user)
    info = selectors.symbol_get(market=market, symbol=symbol)
    margin_type = clean_choice(margin_type, field="margin_type", choices=MarginType)
    wallet = futures_wallet_open(user=user)
    with transaction.atomic():
        locked = wallet_lock(wallet.pk)
        setting = _setting_lock(locked.account, info.symbol)
        if setting.margin_type == margin_type:
            raise FuturesError("No need to change margin type.", code="no_need_to_change_margin_type")
        position = locked.positions.get(info.symbol.pk)
        if position is not None and position.position_amt != 0:
            raise FuturesError(
                "Margin type cannot be changed if there exists position.", code="margin_type_position", status=409
            )
        if locked.open_orders(info.symbol):
            raise FuturesError(
                "Margin type cannot be changed if there exists open orders.", code="margin_type_open_orders", status=409
            )
        setting.margin_type = margin_type
        setting.save(update_fields=["margin_type"])
        if position is not None:
            position.margin_type = margin_type
            position.save(update_fields=["margin_type", "updated_at"])
        return setting


def futures_position_mode_set(*, user, dual_side_position) -> None:
    """Only one-way mode exists here: hedge mode (dualSidePosition=true) is refused with a clear error."""
    if str(dual_side_position).lower() in ("true", "1"):
        raise FuturesError(
            "Hedge mode (dualSidePosition) is not supported: positions are one-way (BOTH) only.",
            code="hedge_mode_unsupported",
            fields={"dual_side_position": ["Only false (one-way mode)."]},
        )
