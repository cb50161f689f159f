"""A member trading in the class: the trading services, called as the member's class user (whose
accounts are the class's), with main names translated to the class's ("ETHUSDT" -> its copy)."""

from __future__ import annotations

from accounts.models import User
from classrooms import selectors
from classrooms.models import Membership
from trading.models import Account, LoanEvent, Order, Transfer
from trading.services.accounts import isolated_account_open
from trading.services.loans import loan_borrow, loan_repay
from trading.services.orders import order_cancel, order_place
from trading.services.transfers import transfer_create


def member_get(*, user: User, classroom_id) -> Membership:
    """The caller's membership of the class (not a member: 403; not their class: 404)."""
    classroom = selectors.classroom_get_for_user(user=user, classroom_id=classroom_id)
    return selectors.membership_get(user=user, classroom=classroom)


def member_isolated_open(*, user: User, classroom_id, symbol, leverage=None) -> Account:
    membership = member_get(user=user, classroom_id=classroom_id)
    classroom = membership.classroom
    return isolated_account_open(
        user=membership.holder,
        symbol=selectors.class_symbol(classroom=classroom, symbol=symbol),
        leverage=leverage,
        market=classroom.market,
    )


def member_order_place(*, user: User, classroom_id, account_id, symbol, **order) -> Order:
    membership = member_get(user=user, classroom_id=classroom_id)
    symbol = selectors.class_symbol(classroom=membership.classroom, symbol=symbol)
    return order_place(user=membership.holder, account_id=account_id, symbol=symbol, **order)


def member_order_cancel(*, user: User, classroom_id, order_id) -> Order:
    membership = member_get(user=user, classroom_id=classroom_id)
    return order_cancel(user=membership.holder, order_id=order_id)


def member_transfer(*, user: User, classroom_id, from_account_id, to_account_id, asset, amount) -> Transfer:
    membership = member_get(user=user, classroom_id=classroom_id)
    return transfer_create(
        user=membership.holder,
        from_account_id=from_account_id,
        to_account_id=to_account_id,
        asset=selectors.class_asset(classroom=membership.classroom, asset=asset),
        amount=amount,
    )


def member_loan(*, user: User, classroom_id, account_id, asset, amount, repay: bool = False) -> LoanEvent:
    membership = member_get(user=user, classroom_id=classroom_id)
    code = selectors.class_asset(classroom=membership.classroom, asset=asset)
    service = loan_repay if repay else loan_borrow
    return service(user=membership.holder, account_id=account_id, asset=code, amount=amount)
