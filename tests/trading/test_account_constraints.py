"""What sign-up makes, and what the database itself refuses whatever the code above it does.

The constraints are hit with direct ``Account.objects.create`` / ``Balance.objects.update`` calls inside
``transaction.atomic()``: a broken service cannot get past them.
"""

from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from core.errors import ApplicationError, Conflict
from tests.helpers import PASSWORD, amounts, assert_ledger_clean, spot
from trading.models import (
    Account,
    AccountKind,
    Asset,
    Balance,
    JournalEntry,
    LedgerLine,
    Pair,
    SystemAccount,
)
from trading.services.accounts import account_provision, isolated_account_open, user_signup
from trading.services.ledger import system_balance


def refused_by_database(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- sign-up ----------------------------------------------------------------------------------------


def test_sign_up_makes_one_funded_spot_wallet_and_one_cross_account(platform):
    user = user_signup(username="dora", password=PASSWORD)

    accounts = list(Account.objects.filter(user=user).order_by("id"))
    assert [(a.kind, a.leverage, a.pair_id, a.is_frozen) for a in accounts] == [
        (AccountKind.SPOT, None, None, False),
        (AccountKind.CROSS, 3, None, False),
    ]
    wallet, margin_account = accounts
    assert amounts(wallet, "USDT") == (D(10000), 0, 0, 0)
    assert list(Balance.objects.filter(account=wallet).values_list("asset__code", flat=True)) == ["USDT"]
    assert not Balance.objects.filter(account=margin_account).exists()
    assert_ledger_clean()


def test_the_starting_balance_comes_through_the_ledger_from_paper_funding(platform):
    usdt = Asset.objects.get(code="USDT")
    funding = system_balance(SystemAccount.PAPER_FUNDING, usdt)
    before = funding.free

    user = user_signup(username="dora", password=PASSWORD)

    [entry] = JournalEntry.objects.filter(kind=JournalEntry.Kind.FUNDING, account=spot(user))
    lines = sorted((line.balance_id, line.bucket, line.amount) for line in entry.lines.all())
    wallet_balance = Balance.objects.get(account=spot(user), asset=usdt)
    assert lines == sorted([(wallet_balance.pk, "free", D(10000)), (funding.pk, "free", D(-10000))])
    funding.refresh_from_db()
    assert funding.free == before - 10000
    assert LedgerLine.objects.filter(balance__account__user=user).aggregate(total=Sum("amount")) == {"total": D(10000)}


def test_the_starting_balance_is_configurable(platform):
    platform.starting_balance = D("2500.5")
    platform.save()

    user = user_signup(username="dora", password=PASSWORD)

    assert amounts(spot(user), "USDT") == (D("2500.5"), 0, 0, 0)
    assert_ledger_clean()


def test_provisioning_twice_makes_and_funds_nothing_more(alice):
    entries = JournalEntry.objects.count()

    account_provision(user=alice)

    assert Account.objects.filter(user=alice).count() == 2
    assert JournalEntry.objects.count() == entries
    assert amounts(spot(alice), "USDT") == (D(10000), 0, 0, 0)


def test_a_taken_username_makes_nothing(alice):
    accounts, entries = Account.objects.count(), JournalEntry.objects.count()

    with pytest.raises(Conflict):
        user_signup(username="alice", password=PASSWORD)

    assert (Account.objects.count(), JournalEntry.objects.count()) == (accounts, entries)


# --- one spot wallet, one cross account, one isolated account per pair ------------------------------


def test_the_database_refuses_a_second_spot_wallet(alice):
    refused_by_database(lambda: Account.objects.create(user=alice, kind=AccountKind.SPOT))


@pytest.mark.parametrize("leverage", [3, 5])
def test_the_database_refuses_a_second_cross_account(alice, leverage):
    refused_by_database(lambda: Account.objects.create(user=alice, kind=AccountKind.CROSS, leverage=leverage))
    assert Account.objects.filter(user=alice, kind=AccountKind.CROSS).count() == 1


def test_the_database_refuses_a_second_isolated_account_for_the_same_pair(alice):
    eth = Pair.objects.get(symbol="ETHUSDT")
    isolated_account_open(user=alice, symbol="ETHUSDT")

    refused_by_database(lambda: Account.objects.create(user=alice, kind=AccountKind.ISOLATED, pair=eth, leverage=3))

    assert Account.objects.filter(user=alice, kind=AccountKind.ISOLATED).count() == 1


def test_isolated_accounts_are_one_per_user_and_pair_not_one_per_pair(alice, bob):
    eth, btc = Pair.objects.get(symbol="ETHUSDT"), Pair.objects.get(symbol="BTCUSDT")
    Account.objects.create(user=alice, kind=AccountKind.ISOLATED, pair=eth, leverage=5)
    Account.objects.create(user=alice, kind=AccountKind.ISOLATED, pair=btc, leverage=5)
    Account.objects.create(user=bob, kind=AccountKind.ISOLATED, pair=eth, leverage=5)
    assert Account.objects.filter(kind=AccountKind.ISOLATED).count() == 3


def test_the_database_refuses_a_second_system_account_of_a_kind(platform):
    refused_by_database(lambda: Account.objects.create(kind=AccountKind.SYSTEM, system_code=SystemAccount.MARKET))


@pytest.fixture
def bare_user(platform):
    """A user without any account yet, so that only an account's shape (not "one of a kind") can refuse it."""
    return get_user_model().objects.create_user(username="erin", password=PASSWORD)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"kind": AccountKind.SPOT, "leverage": 3}, id="spot-with-leverage"),
        pytest.param({"kind": AccountKind.SPOT, "pair": "ETHUSDT"}, id="spot-with-pair"),
        # 10x is Cross Margin Pro (allowed); any other class is not.
        pytest.param({"kind": AccountKind.CROSS, "leverage": 7}, id="cross-at-7x"),
        # NULL IN (3, 5) is unknown, and a CHECK passes on unknown: the shape must say "not null" itself.
        pytest.param({"kind": AccountKind.CROSS, "leverage": None}, id="cross-without-leverage"),
        pytest.param({"kind": AccountKind.CROSS, "leverage": 3, "pair": "ETHUSDT"}, id="cross-with-pair"),
        pytest.param({"kind": AccountKind.ISOLATED, "leverage": 5}, id="isolated-without-pair"),
        pytest.param({"kind": AccountKind.ISOLATED, "pair": "ETHUSDT"}, id="isolated-without-leverage"),
        pytest.param({"kind": AccountKind.SYSTEM, "system_code": "spare"}, id="system-with-user"),
        pytest.param({"kind": AccountKind.SPOT, "system_code": "spare"}, id="spot-with-system-code"),
        pytest.param({"kind": "savings"}, id="unknown-kind"),
    ],
)
def test_the_database_refuses_an_account_of_the_wrong_shape(bare_user, fields):
    if "pair" in fields:
        fields = fields | {"pair": Pair.objects.get(symbol=fields["pair"])}
    refused_by_database(lambda: Account.objects.create(user=bare_user, **fields))
    assert not Account.objects.filter(user=bare_user).exists()


def test_the_database_refuses_a_system_account_without_a_code(platform):
    refused_by_database(lambda: Account.objects.create(kind=AccountKind.SYSTEM))


# --- the isolated account limit ---------------------------------------------------------------------


def test_the_isolated_account_limit_refuses_the_third(alice, platform):
    platform.isolated_account_limit = 2
    platform.save()
    isolated_account_open(user=alice, symbol="ETHUSDT")
    isolated_account_open(user=alice, symbol="BTCUSDT")

    with pytest.raises(ApplicationError, match=r"^At most 2 isolated margin accounts may be enabled\.$") as info:
        isolated_account_open(user=alice, symbol="BNBUSDT")

    assert info.value.code == "isolated_limit"
    assert Account.objects.filter(user=alice, kind=AccountKind.ISOLATED).count() == 2


def test_the_isolated_account_limit_is_per_user(alice, bob, platform):
    platform.isolated_account_limit = 1
    platform.save()
    isolated_account_open(user=alice, symbol="ETHUSDT")
    isolated_account_open(user=bob, symbol="ETHUSDT")
    assert Account.objects.filter(kind=AccountKind.ISOLATED).count() == 2


# --- balances ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bucket", ["free", "locked", "borrowed", "interest"])
def test_the_database_refuses_a_negative_user_balance(alice, bucket):
    balance = Balance.objects.get(account=spot(alice), asset__code="USDT")

    refused_by_database(lambda: Balance.objects.filter(pk=balance.pk).update(**{bucket: D("-0.00000001")}))

    assert amounts(spot(alice), "USDT") == (D(10000), 0, 0, 0)


def test_the_database_refuses_spending_more_than_a_user_has(alice):
    balance = Balance.objects.get(account=spot(alice), asset__code="USDT")
    refused_by_database(lambda: Balance.objects.filter(pk=balance.pk).update(free=F("free") - D("10000.00000001")))


def test_a_system_balance_may_go_negative(alice):
    # Paper funding is the source of all paper money: it is below zero by design.
    funding = system_balance(SystemAccount.PAPER_FUNDING, Asset.objects.get(code="USDT"))
    assert funding.free < 0
    with transaction.atomic():
        assert Balance.objects.filter(pk=funding.pk).update(locked=D(-1)) == 1
        transaction.set_rollback(True)


def test_the_database_refuses_a_second_balance_of_an_asset(alice):
    usdt = Asset.objects.get(code="USDT")
    refused_by_database(lambda: Balance.objects.create(account=spot(alice), asset=usdt))
