"""The futures wallet: one per user, its USDT in trading's ledger; transfers spot <-> futures."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from futures import selectors
from futures.models import Income
from futures.services.common import FuturesError, clean_choice, usdt, wallet_lock
from trading.models import Account, AccountKind, JournalEntry, Transfer
from trading.services.common import clean_amount
from trading.services.ledger import LockedAccount, Posting, accounts_lock, ledger_post

# Binance's universal-transfer types for the USDⓈ-M wallet (sapi/v1/asset/transfer).
TO_FUTURES = "MAIN_UMFUTURE"
TO_SPOT = "UMFUTURE_MAIN"


def futures_wallet_open(*, user) -> Account:
    """The user's futures wallet, made on first use (the constraint keeps it one per user)."""
    wallet = selectors.wallet_get_for_user(user=user)
    if wallet is not None:
        return wallet
    # In the market of the user's spot wallet: a class's holder gets the class's futures wallet.
    spot_market = Account.objects.filter(user=user, kind=AccountKind.SPOT).values_list("market_id", flat=True).first()
    try:
        with transaction.atomic():
            return Account.objects.create(user=user, kind=AccountKind.FUTURES, market_id=spot_market)
    except IntegrityError:  # a concurrent request made it first
        return Account.objects.get(user=user, kind=AccountKind.FUTURES)


def futures_transfer_create(*, user, type: str, amount) -> Transfer:
    """Move USDT between the spot wallet and the futures wallet.

    Out of futures only up to the maximum withdrawable: the cross wallet less unrealized loss and the
    initial margin of cross positions and open orders; isolated margin and unrealized profit stay.
    """
    direction = clean_choice(type, field="type", choices=[TO_FUTURES, TO_SPOT])
    amount = clean_amount(amount)
    spot = Account.objects.filter(user=user, kind=AccountKind.SPOT).first()
    if spot is None:
        raise FuturesError("No spot wallet.", code="no_spot_wallet")
    wallet = futures_wallet_open(user=user)
    asset = usdt()
    market = selectors.market_for_user(user=user)
    with transaction.atomic():
        # Account rows in id order: the spot wallet is always the older one.
        accounts_lock(spot.pk, wallet.pk)
        spot_balance = LockedAccount(spot, [asset]).balance(asset)
        locked = wallet_lock(wallet.pk, asset=asset)
        if locked.account.is_frozen or spot.is_frozen:
            raise FuturesError("The account is frozen.", code="account_frozen", status=409)
        posting = Posting()
        if direction == TO_FUTURES:
            source, target, sign = spot, locked.account, 1
            posting.move(spot_balance, locked.balance, amount)
        else:
            most = locked.state(market).max_withdraw
            if amount > most:
                raise FuturesError(
                    f"The futures wallet can transfer out at most {most} USDT now.",
                    code="insufficient_balance",
                    fields={"amount": [f"At most {most}."]},
                )
            source, target, sign = locked.account, spot, -1
            posting.move(locked.balance, spot_balance, amount)
        entry = ledger_post(
            kind=JournalEntry.Kind.TRANSFER,
            posting=posting,
            account=locked.account,
            memo=f"futures transfer {direction} {amount} USDT",
        )
        Income.objects.create(
            account=locked.account, income_type=Income.Type.TRANSFER, income=sign * amount, info=direction, entry=entry
        )
        return Transfer.objects.create(
            user=user, from_account=source, to_account=target, asset=asset, amount=amount, entry=entry
        )
