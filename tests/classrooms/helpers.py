"""The seed example played in a class: erin as user A (cross), frank as user B (two isolated accounts)."""

from classrooms.services.trading import member_isolated_open, member_order_place, member_transfer
from trading.models import Account, AccountKind
from trading.services.accounts import account_leverage_set


def class_account(membership, kind: str, symbol: str | None = None) -> Account:
    accounts = Account.objects.filter(user=membership.holder, kind=kind)
    if symbol:
        accounts = accounts.filter(pair__class_pair__source__symbol=symbol)
    return accounts.get()


def seed_positions(erin_m, frank_m):
    """Day N in the class: A puts 400 USDT to work at 5x in cross, B 200 USDT in each isolated account."""
    classroom = erin_m.classroom
    a = class_account(erin_m, AccountKind.CROSS)
    account_leverage_set(user=erin_m.holder, account_id=a.pk, leverage=5)
    spot_a = class_account(erin_m, AccountKind.SPOT)
    member_transfer(
        user=erin_m.student,
        classroom_id=classroom.pk,
        from_account_id=spot_a.pk,
        to_account_id=a.pk,
        asset="USDT",
        amount="400",
    )
    for symbol in ("ETHUSDT", "BCHUSDT"):
        member_order_place(
            user=erin_m.student,
            classroom_id=classroom.pk,
            account_id=a.pk,
            symbol=symbol,
            side="BUY",
            type="MARKET",
            quantity="5",
            side_effect="MARGIN_BUY",
        )
    isolated = {}
    spot_b = class_account(frank_m, AccountKind.SPOT)
    for symbol in ("ETHUSDT", "BCHUSDT"):
        account = member_isolated_open(user=frank_m.student, classroom_id=classroom.pk, symbol=symbol, leverage=5)
        member_transfer(
            user=frank_m.student,
            classroom_id=classroom.pk,
            from_account_id=spot_b.pk,
            to_account_id=account.pk,
            asset="USDT",
            amount="200",
        )
        member_order_place(
            user=frank_m.student,
            classroom_id=classroom.pk,
            account_id=account.pk,
            symbol=symbol,
            side="BUY",
            type="MARKET",
            quantity="5",
            side_effect="MARGIN_BUY",
        )
        isolated[symbol] = account
    return a, isolated["ETHUSDT"], isolated["BCHUSDT"]


def class_joined_by(user):
    """A class (ETHUSDT) taught by "teacher" that ``user`` is a member of: for tables of every endpoint."""
    from django.contrib.auth.models import Group

    from accounts.models import User
    from classrooms.models import INSTRUCTOR_GROUP, Classroom
    from classrooms.services.classes import classroom_create, membership_join
    from tests.helpers import PASSWORD
    from trading.services.accounts import user_signup

    teacher = User.objects.filter(username="teacher").first() or user_signup(username="teacher", password=PASSWORD)
    teacher.groups.add(Group.objects.get(name=INSTRUCTOR_GROUP))
    classroom = Classroom.objects.filter(instructor=teacher).first() or classroom_create(
        instructor=teacher, name="Every endpoint", starting_balance="1000", symbols=["ETHUSDT"]
    )
    membership_join(user=user, code=classroom.join_code)
    return classroom
