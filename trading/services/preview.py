"""What an order would do, without placing it (issue 17, "Before the trade").

The preview runs ``order_place`` itself (the same checks, the same fills, the same borrowing; no copy of
them) inside a transaction that is always rolled back: nothing is written, the row locks end with it, and
the ``transaction.on_commit`` hooks registered inside it are discarded with it, so no notification, e-mail
or Celery task leaks. It reads the account as the order would leave it before rolling back, and does the
same on the user's account of the other margin mode for the pair, when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import User
from core.dry_run import rolled_back
from core.errors import ApplicationError
from trading import margin, selectors
from trading.models import Account, AccountKind, Order, Trade
from trading.selectors.positions import positions_of

# _clean_request is order_place's own first step: bad input is a 400 here as there, not a "would be refused".
from trading.services.orders import order_place
from trading.services.orders.placement import _clean_request


@dataclass(frozen=True)
class Outcome:
    account: Account
    accepted: bool
    refusal: dict | None = None
    status: str | None = None
    executed_qty: Decimal = Decimal(0)
    fill_price: Decimal | None = None
    quote_quantity: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    borrowed_amount: Decimal = Decimal(0)
    borrowed_asset: str | None = None
    margin_level_before: Decimal | None = None
    margin_level_after: Decimal | None = None
    status_after: str | None = None
    liquidation_price_after: Decimal | None = None


@dataclass(frozen=True)
class Preview:
    outcome: Outcome
    other_mode: Outcome | None = None
    other_mode_note: str = ""


def _after(*, account: Account, order: Order, before: Decimal | None) -> Outcome:
    prices = selectors.mark_prices()
    summary = selectors.account_summary_get(account=account, prices=prices)
    trades = list(Trade.objects.filter(order=order).select_related("fee_asset"))
    quantity = sum((t.quantity for t in trades), Decimal(0))
    quote = sum((t.quote_quantity for t in trades), Decimal(0))
    position = next((p for p in positions_of(summary, prices) if p.symbol == order.pair.symbol), None)
    return Outcome(
        account=account,
        accepted=True,
        status=order.status,
        executed_qty=quantity,
        fill_price=margin.round_half_up(quote / quantity, order.pair.tick_size) if quantity else None,
        quote_quantity=quote,
        fee=sum((t.fee for t in trades), Decimal(0)),
        borrowed_amount=order.borrowed_amount,
        borrowed_asset=order.borrowed_asset.code if order.borrowed_asset else None,
        margin_level_before=before,
        margin_level_after=summary.margin_level,
        status_after=summary.status.value,
        liquidation_price_after=position.liquidation_price if position else None,
    )


def _dry_run(*, user: User, account: Account, params: dict) -> Outcome:
    before = selectors.account_summary_get(account=account).margin_level if account.is_margin else None

    def place_and_look() -> Outcome:
        order = order_place(user=user, account_id=account.pk, **params)
        return _after(account=account, order=order, before=before)

    try:
        return rolled_back(place_and_look)
    except ApplicationError as refused:
        return Outcome(
            account=account,
            accepted=False,
            refusal={"code": refused.code, "message": refused.message, "fields": refused.fields},
            margin_level_before=before,
        )


def _other_mode_account(account: Account, symbol: str) -> tuple[Account | None, str]:
    assert account.user_id is not None  # the caller's own account
    if account.kind == AccountKind.CROSS:
        other = Account.objects.filter(
            user_id=account.user_id, kind=AccountKind.ISOLATED, pair__symbol=str(symbol).upper()
        ).first()
        return other, "" if other else f"You have no isolated {str(symbol).upper()} account to compare with."
    if account.kind == AccountKind.ISOLATED:
        other = Account.objects.filter(user_id=account.user_id, kind=AccountKind.CROSS).first()
        return other, "" if other else "You have no cross margin account to compare with."
    return None, "A spot order has no margin mode."


def order_preview(*, user: User, account_id, symbol: str, **params) -> Preview:
    """The order ``order_place`` would place with these arguments, as it would leave the account, and the
    same order in the other margin mode; a refusal is part of the answer, not an error."""
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    _clean_request(
        account=account,
        symbol=symbol,
        **{k: params.get(k) for k in ("side", "type", "quantity", "quote_quantity", "price", "stop_price")},
        time_in_force=params.get("time_in_force"),
        side_effect=params.get("side_effect"),
    )
    params = {**params, "symbol": symbol, "client_order_id": None}
    outcome = _dry_run(user=user, account=account, params=params)
    other, note = _other_mode_account(account, symbol)
    other_outcome = None
    if other is not None:
        other.user = user
        other_outcome = _dry_run(user=user, account=other, params=params)
    return Preview(outcome=outcome, other_mode=other_outcome, other_mode_note=note)
