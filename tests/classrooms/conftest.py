"""The cast of a classroom: dana teaches (the instructor group), erin and frank are her students; gina
teaches another class. alice and bob (tests/conftest.py) stay in the main market."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from classrooms.models import INSTRUCTOR_GROUP
from classrooms.services.classes import classroom_create, membership_join
from tests.helpers import PASSWORD
from trading.services.accounts import user_signup


def instructor(username: str):
    user = user_signup(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=INSTRUCTOR_GROUP))
    return user


@pytest.fixture
def dana(platform):
    return instructor("dana")


@pytest.fixture
def gina(platform):
    return instructor("gina")


@pytest.fixture
def erin(platform):
    return user_signup(username="erin", password=PASSWORD)


@pytest.fixture
def frank(platform):
    return user_signup(username="frank", password=PASSWORD)


@pytest.fixture
def day_n(zero_costs, set_prices):
    """The seed's day N in the main market: ETH = BCH = 200 (a class copies these prices)."""
    set_prices(ETHUSDT=200, BCHUSDT=200)


@pytest.fixture
def classroom(dana, day_n):
    return classroom_create(
        instructor=dana, name="Margin 101", starting_balance=Decimal(1000), symbols=["ETHUSDT", "BCHUSDT"]
    )


@pytest.fixture
def other_classroom(gina, day_n):
    return classroom_create(
        instructor=gina, name="Margin 102", starting_balance=Decimal(500), symbols=["ETHUSDT", "BCHUSDT"]
    )


@pytest.fixture
def members(classroom, erin, frank):
    return membership_join(user=erin, code=classroom.join_code)[0], membership_join(
        user=frank, code=classroom.join_code
    )[0]
