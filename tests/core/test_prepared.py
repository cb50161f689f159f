"""Reads compiled once (core.prepared): the same rows, objects and errors as the queryset itself, and
the SQL compiled only on the first call of each shape."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

from core.prepared import BIGINT, MAX_COMPILED_LIST, Prepared
from tests.helpers import cross, cross_owing
from trading.models import Account, AccountKind, Balance, MarkPrice
from trading.services.accounts import paper_funds_credit

pytestmark = pytest.mark.django_db

BALANCES_OF_USER = Prepared(
    lambda account_id, user_id: (
        Balance.objects.filter(account_id=account_id, account__user_id=user_id)
        .select_related("asset", "account__pair__base", "account__pair__quote")
        .order_by("asset__code")
    ),
    account_id=int,
    user_id=int,
)


def _same(a, b) -> None:
    assert type(a) is type(b) and a.pk == b.pk
    assert {f.attname: getattr(a, f.attname) for f in a._meta.concrete_fields} == {
        f.attname: getattr(b, f.attname) for f in b._meta.concrete_fields
    }


def test_models_and_their_select_related_objects_are_the_querysets(platform, alice, bob):
    account = cross_owing(alice)
    paper_funds_credit(account_id=account.pk, asset="BTC", amount="1")  # two balances, ordered by code
    rows = BALANCES_OF_USER(account_id=account.pk, user_id=alice.pk)
    expected = list(
        Balance.objects.filter(account_id=account.pk, account__user_id=alice.pk)
        .select_related("asset", "account__pair__base", "account__pair__quote")
        .order_by("asset__code")
    )
    assert [b.asset.code for b in rows] == [b.asset.code for b in expected] == sorted(b.asset.code for b in rows)
    assert len(rows) >= 2
    for got, want in zip(rows, expected, strict=True):
        _same(got, want)
        _same(got.asset, want.asset)
        _same(got.account, want.account)
        assert isinstance(got.free, Decimal) and got._state.adding is False and got._state.db == "default"
    # Another user's id, or an id beyond any integer column, matches nothing (as the queryset would).
    assert BALANCES_OF_USER(account_id=account.pk, user_id=bob.pk) == []
    assert BALANCES_OF_USER(account_id=BIGINT, user_id=alice.pk) == []
    assert BALANCES_OF_USER(account_id=-BIGINT - 1, user_id=alice.pk) == []


def test_the_sql_is_compiled_once_per_shape(platform, alice, monkeypatch):
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    accounts = Prepared(lambda ids: Account.objects.filter(pk__in=ids).order_by("id"), ids=list)
    mine = [a.pk for a in Account.objects.filter(user=alice).order_by("id")]
    compiled.clear()
    assert [a.pk for a in accounts(ids=mine[:1])] == mine[:1]
    assert [a.pk for a in accounts(ids=list(reversed(mine[:1])))] == mine[:1]
    assert len(compiled) == 1
    # A list of another length is another statement (IN (%s, %s)), compiled once too.
    assert [a.pk for a in accounts(ids=mine[:2])] == mine[:2]
    assert [a.pk for a in accounts(ids=mine[:2])] == mine[:2]
    assert len(compiled) == 2
    assert accounts(ids=[]) == []
    # A long list runs the queryset itself: no plan kept for its length.
    many = mine + list(range(10**9, 10**9 + MAX_COMPILED_LIST))
    compiled.clear()
    assert [a.pk for a in accounts(ids=many)] == mine
    assert len(compiled) == 1 and len(accounts._plans) == 2


def test_values_list_rows_and_flat_values(platform):
    pairs = Prepared(
        lambda code: (
            MarkPrice.objects.filter(pair__quote__code=code)
            .order_by("pair__symbol")
            .values_list("pair__symbol", "price")
        ),
        code=str,
    )
    flat = Prepared(
        lambda code: (
            MarkPrice.objects.filter(pair__quote__code=code)
            .order_by("pair__symbol")
            .values_list("pair__symbol", flat=True)
        ),
        code=str,
    )
    expected = list(
        MarkPrice.objects.filter(pair__quote__code="USDT").order_by("pair__symbol").values_list("pair__symbol", "price")
    )
    assert expected and pairs(code="USDT") == expected
    assert flat(code="USDT") == [symbol for symbol, _ in expected]
    assert pairs(code="NOPE") == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as a request runs
def test_select_for_update_needs_a_transaction_and_locks_inside_one(platform, alice):
    locked = Prepared(lambda account_id: Account.objects.select_for_update().filter(pk=account_id), account_id=int)
    account = cross(alice)
    with transaction.atomic():
        assert [a.pk for a in locked(account_id=account.pk)] == [account.pk]
    with pytest.raises(TransactionManagementError):
        locked(account_id=account.pk)


def test_a_lookup_that_rewrites_its_value_is_refused_when_compiled(platform):
    contains = Prepared(lambda code: Account.objects.filter(system_code__contains=code), code=str)
    with pytest.raises(ValueError, match="code"):
        contains(code="POOL")


def test_wrong_arguments_are_refused():
    with pytest.raises(TypeError):
        Prepared(lambda when: Account.objects.filter(created_at=when), when=float)
    by_kind = Prepared(lambda kind: Account.objects.filter(kind=kind), kind=str)
    with pytest.raises(TypeError):
        by_kind(kind=AccountKind.CROSS, extra=1)
    ids = Prepared(lambda ids: Account.objects.filter(pk__in=ids), ids=list)
    with pytest.raises(TypeError):
        ids(ids=3)
