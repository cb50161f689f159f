from decimal import Decimal

from futures import selectors
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.helpers import amounts
from trading.models import Account, AccountKind


def fund(user, amount) -> Account:
    futures_transfer_create(user=user, type=TO_FUTURES, amount=str(amount))
    return wallet(user)


def wallet(user) -> Account:
    return Account.objects.get(user=user, kind=AccountKind.FUTURES)


def usdt(user) -> tuple[Decimal, Decimal]:
    """(cross wallet, isolated wallets) of the user's futures wallet."""
    free, locked, _, _ = amounts(wallet(user), "USDT")
    return free, locked


def state(user):
    return selectors.state_for_user(user=user)
