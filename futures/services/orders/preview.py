"""What a futures order would do, without placing it (issue 17, "Before the trade", the futures equivalent).

The preview runs placement itself: ``order_request_clean`` (the checks on the input: a 400 here as there)
then ``order_request_place`` (the checks on the wallet, the margin check and the fill) inside a transaction
that is always rolled back, so nothing is written and the row locks end with it. It reads the wallet as the
order would leave it, with the same valuation the pages and the engine use (``selectors.account_state``),
before rolling back. The other margin mode is the same run after switching the symbol's margin type with
the user's own service, in the same rolled-back transaction: where Binance would refuse the switch (an open
position or open orders on the symbol) the answer says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core.dry_run import rolled_back
from core.errors import ApplicationError
from futures import selectors
from futures.models import FuturesTrade, MarginType
from futures.services.orders.placement import OrderRequest, order_request_clean, order_request_place
from futures.services.symbol_settings import futures_margin_type_set
from futures.services.wallet import futures_wallet_open


@dataclass(frozen=True)
class Outcome:
    margin_type: str
    accepted: bool
    refusal: dict | None = None
    status: str | None = None
    executed_qty: Decimal = Decimal(0)
    fill_price: Decimal | None = None
    fee: Decimal = Decimal(0)
    # What the order takes from the available balance (initial margin, the loss it opens, its fee): the
    # available balance before it less the one after it.
    margin_required: Decimal = Decimal(0)
    available_before: Decimal = Decimal(0)
    available_after: Decimal = Decimal(0)
    position_amt_after: Decimal = Decimal(0)
    margin_ratio_before: Decimal | None = None
    margin_ratio_after: Decimal | None = None
    liquidation_price_after: Decimal | None = None


@dataclass(frozen=True)
class Preview:
    symbol: str
    outcome: Outcome
    other_mode: Outcome | None = None
    other_mode_note: str = ""


def _ratio(state: selectors.AccountState, code: str) -> Decimal | None:
    """The ratio that liquidates the symbol's position: its own when isolated, the cross account's else."""
    risk = state.position(code)
    if risk is not None and risk.is_isolated:
        return risk.margin_ratio
    return state.cross_margin_ratio


def _margin_type(wallet, request: OrderRequest) -> str:
    position = wallet.futures_positions.filter(symbol=request.info.symbol).exclude(position_amt=0).first()
    if position is not None:
        return position.margin_type
    return selectors.setting_get(wallet=wallet, symbol=request.info.symbol).margin_type


def _run(*, user, request: OrderRequest, switch_to: str | None) -> Outcome:
    """Inside the caller's transaction (rolled back): optionally switch the margin type, place, read."""
    code, market = request.info.code, request.market
    wallet = futures_wallet_open(user=user)
    if switch_to is not None:
        futures_margin_type_set(user=user, symbol=code, margin_type=switch_to)
    margin_type = _margin_type(wallet, request)
    before = selectors.account_state(wallet=wallet, market=market)
    try:
        with transaction.atomic():  # a savepoint: a refusal undoes only the placement
            order = order_request_place(user=user, request=request)
            after = selectors.account_state(wallet=wallet, market=market)
            trades = list(FuturesTrade.objects.filter(order=order))
    except ApplicationError as refused:
        return Outcome(
            margin_type=margin_type,
            accepted=False,
            refusal={"code": refused.code, "message": refused.message, "fields": refused.fields},
            available_before=before.available_balance,
            available_after=before.available_balance,
            margin_ratio_before=_ratio(before, code),
            margin_ratio_after=_ratio(before, code),
        )
    risk = after.position(code)
    return Outcome(
        margin_type=margin_type,
        accepted=True,
        status=order.status,
        executed_qty=order.executed_qty,
        fill_price=order.avg_price if order.executed_qty else None,
        fee=sum((t.commission for t in trades), Decimal(0)),
        margin_required=before.available_balance - after.available_balance,
        available_before=before.available_balance,
        available_after=after.available_balance,
        position_amt_after=risk.position.position_amt if risk else Decimal(0),
        margin_ratio_before=_ratio(before, code),
        margin_ratio_after=_ratio(after, code),
        liquidation_price_after=risk.liquidation_price if risk else None,
    )


def _dry_run(*, user, request: OrderRequest, switch_to: str | None = None) -> Outcome:
    return rolled_back(lambda: _run(user=user, request=request, switch_to=switch_to))


def _other(margin_type: str) -> str:
    return MarginType.ISOLATED if margin_type == MarginType.CROSSED else MarginType.CROSSED


def futures_order_preview(*, user, **params) -> Preview:
    """The order ``futures_order_place`` would place with these arguments, as it would leave the wallet,
    and the same order in the other margin mode; a refusal is part of the answer, not an error."""
    market = selectors.market_for_user(user=user)  # the user's market's perpetuals, as placement reads them
    request = order_request_clean(**{**params, "client_order_id": None, "market": market})
    outcome = _dry_run(user=user, request=request)
    other, note = None, ""
    try:
        other = _dry_run(user=user, request=request, switch_to=_other(outcome.margin_type))
    except ApplicationError as refused:
        # Binance's rule: no switch with a position or open orders on the symbol (-4048, -4047).
        note = f"The other margin mode cannot be previewed: {refused.message}"
    return Preview(symbol=request.info.code, outcome=outcome, other_mode=other, other_mode_note=note)
