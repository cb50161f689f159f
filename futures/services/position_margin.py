"""Margin added to or taken from an isolated position (Binance's positionMargin, type 1 add, 2 reduce)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import FuturesPosition, MarginType
from futures.services.common import FuturesError, clean_choice, wallet_lock
from trading.models import Bucket, JournalEntry
from trading.services.common import clean_amount
from trading.services.ledger import Posting, ledger_post

ADD, REDUCE = "ADD", "REDUCE"


def futures_position_margin_change(*, user, symbol: str, amount, type: str) -> FuturesPosition:
    """Move USDT from the cross wallet into an isolated position's margin, or back.

    Adding needs that much available balance; reducing stops at the position's initial margin at the
    mark, with any unrealized loss counted against it (Binance -4051 "Isolated balance insufficient.").
    """
    market = selectors.market_for_user(user=user)
    info = selectors.symbol_get(market=market, symbol=symbol)
    amount = clean_amount(amount)
    action = clean_choice({"1": ADD, "2": REDUCE}.get(str(type), type), field="type", choices=[ADD, REDUCE])
    wallet = selectors.wallet_require(user=user)
    with transaction.atomic():
        locked = wallet_lock(wallet.pk)
        position = locked.positions.get(info.symbol.pk)
        if position is None or position.position_amt == 0:
            raise FuturesError("No open position on this symbol.", code="no_position", status=409)
        if position.margin_type != MarginType.ISOLATED:
            raise FuturesError(
                "Margin can only be added to or reduced from an isolated position.", code="not_isolated", status=409
            )
        state = locked.state(market)
        risk = state.position(info.code)
        if risk is None:  # open, but its symbol is not priced
            raise FuturesError(f"No mark price for {info.code} yet.", code="no_price", status=409)
        posting = Posting()
        if action == ADD:
            if amount > state.available_balance:
                raise FuturesError(
                    f"Only {f.round_to(max(state.available_balance, Decimal(0)), Q8)} USDT is available.",
                    code="insufficient_margin",
                    fields={"amount": ["More than the available balance."]},
                )
            posting.move(locked.balance, locked.balance, amount, src_bucket=Bucket.FREE, dst_bucket=Bucket.LOCKED)
            position.isolated_margin += amount
        else:
            most = f.round_to(position.isolated_margin + min(risk.unrealized_pnl, Decimal(0)) - risk.initial_margin, Q8)
            if amount > most:
                raise FuturesError(
                    f"Isolated balance insufficient: at most {max(most, Decimal(0))} USDT can be taken out, "
                    "down to the position's initial margin.",
                    code="margin_reduce_too_much",
                    fields={"amount": [f"At most {max(most, Decimal(0))}."]},
                )
            posting.move(locked.balance, locked.balance, amount, src_bucket=Bucket.LOCKED, dst_bucket=Bucket.FREE)
            position.isolated_margin -= amount
        position.save(update_fields=["isolated_margin", "updated_at"])
        ledger_post(
            kind=JournalEntry.Kind.POSITION_MARGIN,
            posting=posting,
            account=locked.account,
            memo=f"isolated margin {action.lower()} {amount} USDT {info.code}",
        )
        return position
