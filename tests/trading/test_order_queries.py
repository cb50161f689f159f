"""What one request costs the database (issue 15): pinned, so a query added per order cannot creep in.

Settings, tiers, assets, pairs and the mark prices come from the per-process copies (trading.lookup_cache),
the write-only system balances are references, and one statement writes an order's balances, entry, lines,
margin point and records. The SAVEPOINT/RELEASE pair is the request's transaction (BEGIN/COMMIT in
production, where the test's own transaction is not around it).
"""

import re
from decimal import Decimal as D

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import token_create
from tests.helpers import assert_ledger_clean, cross
from trading.models import (
    Account,
    AccountKind,
    Asset,
    Balance,
    InterestRate,
    JournalEntry,
    MarginPoint,
    Order,
    Pair,
    PairBook,
    PlatformSettings,
    SystemAccount,
)
from trading.selectors import account_summary_get, mark_prices, pair_get, platform_settings_get, ratios_get
from trading.selectors.book import book_params_get
from trading.services.accounts import paper_funds_credit
from trading.services.interest_rates import clock_hour, interest_rate_schedule, rate_in_force
from trading.services.ledger import LedgerError, Posting, ledger_post, system_balance

MARKET = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002", "side_effect": "MARGIN_BUY"}
LIMIT = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "quantity": "0.0001", "price": "190000.00"}
# The pinned counts are PostgreSQL's: there one statement writes an entry's balances, lines and records; SQLite
# (the laptop default) updates each balance on its own.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pins PostgreSQL's statements; SQLite writes balance by balance"
)


@pytest.fixture
def trader(alice, set_prices, settings):
    settings.MARGINLAB_LOOKUP_CACHE = True
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    account = cross(alice)
    paper_funds_credit(account_id=account.pk, asset="BTC", amount="10")
    _, token = token_create(user=alice, name="queries")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # The first order fills the process's copies and makes the account's ETH balance.
    assert client.post("/api/v1/orders", {"account": account.pk, **MARKET}, format="json").status_code == 201
    return client, account


def test_bare_request(trader, django_assert_num_queries):
    client, _ = trader
    with django_assert_num_queries(1):  # the API token
        assert client.get("/api/v1/me").status_code == 200


def test_get_account(trader, django_assert_num_queries):
    client, account = trader
    # the token; the account (the user's own) with its balances and their assets' mark prices, in one query.
    # Settings and tiers: copies.
    with django_assert_num_queries(2):
        assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 200


def test_the_accounts_own_prices_value_it_as_the_mark_prices_do(trader, alice, set_prices):
    client, account = trader
    client.post("/api/v1/orders", {"account": account.pk, **MARKET}, format="json")  # ETH bought, USDT owed
    set_prices(ETHUSDT=3321.5, BTCUSDT=91234.56)
    answer = client.get(f"/api/v1/accounts/{account.pk}").json()
    summary = account_summary_get(account=account)  # valued at mark_prices()

    assert {b["asset"] for b in answer["balances"]} == {"BTC", "ETH", "USDT"}
    assert D(answer["margin_level"]) == summary.margin_level.quantize(D(answer["margin_level"]))
    assert D(answer["total_asset_value"]) == summary.total_asset_value.quantize(D("0.00000001"))
    assert D(answer["total_debt"]) == summary.total_debt.quantize(D("0.00000001")) > 0


@postgresql_only
def test_market_margin_buy(trader, django_assert_num_queries):
    client, account = trader
    # Before the transaction: the token (the mark prices are a per-process copy, as the settings are).
    # In it: SAVEPOINT; the account, found as the user's own, and all its balances, locked in one statement
    # (the account first: tests/trading/test_concurrency.py; none missing); then ONE statement writes it
    # all: every balance's UPDATE (the borrowed balance's interest clock with them; the USDT lending pool's, a per-process reference, returning what the pool has
    # left), the journal entry with its lines and the margin point (issue 17's point, valued from the locked
    # balances, at the order's prices), the order, its trade and its loan event; RELEASE. No look-up of an existing order: the client order id
    # was made for this order. The interest rate in force this hour, which the borrow's first hour is charged
    # at (issue 16: the rate history), and the pair's book are copies.
    with django_assert_num_queries(5):
        response = client.post("/api/v1/orders", {"account": account.pk, **MARKET}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "FILLED"
    assert_ledger_clean()


@postgresql_only
def test_limit_resting(trader, django_assert_num_queries):
    client, account = trader
    # the token; SAVEPOINT; the account found with its balances and locked, in one statement; one statement
    # for the UPDATE, the journal entry with its lines and the margin point, and the order; RELEASE.
    with django_assert_num_queries(5):
        response = client.post("/api/v1/orders", {"account": account.pk, **LIMIT}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "NEW"
    assert_ledger_clean()


@postgresql_only
@pytest.mark.parametrize(
    "body",
    [MARKET, LIMIT, {**MARKET, "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.001", "side_effect": "AUTO_REPAY"}],
)
def test_every_statement_of_an_order_is_one_psycopg_keeps_parsed(trader, body):
    """psycopg parses a statement's placeholders once and keeps the result only for a statement of at most
    MAX_CACHED_STATEMENT_LENGTH bytes and MAX_CACHED_STATEMENT_PARAMS parameters; a longer one is parsed on
    every order (about a millisecond for the order's big statement). A column added to the order, trade or
    loan event tables lengthens it: this says when it no longer fits."""
    from psycopg import _queries

    client, account = trader
    seen = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert client.post("/api/v1/orders", {"account": account.pk, **body}, format="json").status_code == 201
    assert any(sql.startswith("WITH locked") for sql, _ in seen)  # the order's one big statement was seen
    for sql, params in seen:
        assert len(sql.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH, sql[:80]
        assert len(params or ()) <= _queries.MAX_CACHED_STATEMENT_PARAMS, sql[:80]


@postgresql_only
def test_a_client_order_id_costs_its_look_up(trader, django_assert_num_queries):
    client, account = trader
    with django_assert_num_queries(6):  # LIMIT's five and the order the id may repeat
        client.post("/api/v1/orders", {"account": account.pk, **LIMIT, "client_order_id": "mine-1"}, format="json")
    with django_assert_num_queries(6):  # the same order again: the first one back, nothing written
        response = client.post(
            "/api/v1/orders", {"account": account.pk, **LIMIT, "client_order_id": "mine-1"}, format="json"
        )
    assert response.status_code in (200, 201) and Order.objects.filter(client_order_id="mine-1").count() == 1


def test_every_kind_of_write_retires_the_copies(trader):
    client, account = trader
    PlatformSettings.objects.filter(pk=1).update(taker_fee=D("0.005"))  # a queryset update
    assert platform_settings_get().taker_fee == D("0.005")
    pair = Pair.objects.get(symbol="ETHUSDT")
    pair.is_active = False
    pair.save()  # a save
    assert pair_get(symbol="ETHUSDT").is_active is False
    response = client.post("/api/v1/orders", {"account": account.pk, **MARKET}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "symbol_halted"
    usdt = Asset.objects.get(code="USDT")
    hour = clock_hour(timezone.now())
    before = rate_in_force(asset=usdt, at=hour)
    interest_rate_schedule(asset="USDT", daily_rate=before * 2)  # an entry saved
    assert rate_in_force(asset=usdt, at=hour) == before * 2
    InterestRate.objects.filter(asset=usdt, effective_from=hour).update(daily_rate=before * 3)
    assert rate_in_force(asset=usdt, at=hour) == before * 3
    btc = Pair.objects.get(symbol="BTCUSDT")
    levels = book_params_get(pair=btc).levels
    PairBook.objects.update_or_create(pair=btc, defaults={"levels": levels + 1})
    assert book_params_get(pair=btc).levels == levels + 1
    PairBook.objects.filter(pair=btc).update(levels=levels + 2)
    assert book_params_get(pair=btc).levels == levels + 2
    tier = platform_settings_get().risk_profile.tiers.get(kind="cross", leverage=account.leverage)
    tier.margin_call = tier.liquidation + D("0.01")
    tier.save()
    assert ratios_get(account=account, profile_id=tier.profile_id).margin_call == tier.margin_call


def test_ledger_post_refuses_a_balance_that_is_gone(platform):
    """A system balance id kept per process whose row is gone: the entry fails whole, nothing moves."""
    usdt = Asset.objects.get(code="USDT")
    funding = system_balance(SystemAccount.PAPER_FUNDING, usdt)
    ghost = Balance(pk=funding.pk + 10**9, account_id=funding.account_id, asset=usdt, is_system=True)
    posting = Posting()
    posting.move(funding, ghost, D(1))
    with pytest.raises(LedgerError), transaction.atomic():
        ledger_post(kind=JournalEntry.Kind.BOOTSTRAP, posting=posting, memo="ghost")
    assert system_balance(SystemAccount.PAPER_FUNDING, usdt).free == funding.free


def test_the_margin_point_is_what_the_database_holds(trader):
    """The point ledger_post records from the locked balances (no second read) shows the stored amounts."""
    client, account = trader
    assert client.post("/api/v1/orders", {"account": account.pk, **MARKET}, format="json").status_code == 201
    assert client.post("/api/v1/orders", {"account": account.pk, **LIMIT}, format="json").status_code == 201
    point = MarginPoint.objects.filter(account=account).latest("id")
    stored = Balance.objects.filter(account=account).select_related("asset")
    assert point.holdings == {
        b.asset.code: [f"{b.free}", f"{b.locked}", f"{b.borrowed}", f"{b.interest}"]
        for b in stored
        if b.free or b.locked or b.borrowed or b.interest
    }
    assert point.prices == {code: f"{price}" for code, price in mark_prices().items() if code in point.prices}
    assert set(point.prices) == {"USDT", "BTC", "ETH"}


# --- PostgreSQL plans each ledger statement once ------------------------------------------------------------


def _other_traders(count: int) -> None:
    """``count`` more spot accounts with three balances each, and the balances' statistics as autovacuum keeps
    them: the plans PostgreSQL weighs are those of a platform with some traders, not of a few rows."""
    users = User.objects.bulk_create(User(username=f"other-{n}") for n in range(count))
    accounts = Account.objects.bulk_create(Account(user=user, kind=AccountKind.SPOT) for user in users)
    assets = list(Asset.objects.filter(code__in=["BTC", "ETH", "USDT"]))
    Balance.objects.bulk_create(Balance(account=a, asset=asset) for a in accounts for asset in assets)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trading_balance")


def _costs(sql: str, params: dict) -> dict[str, float]:
    """The statement's estimated cost, planned for these values (custom) and for any values (generic), as
    PostgreSQL weighs the two for a prepared statement (EXPLAIN EXECUTE under each plan_cache_mode)."""
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    text = re.sub(r"%\((\w+)\)s", placeholder, sql)
    raw = connection.connection
    values = ", ".join(psycopg.sql.Literal(params[name]).as_string(raw) for name in names)
    costs = {}
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE ledger_plan AS {text}")
        for mode in ("custom", "generic"):
            cursor.execute(f"SET LOCAL plan_cache_mode = force_{mode}_plan")
            cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE ledger_plan({values})")
            costs[mode] = cursor.fetchone()[0][0]["Plan"]["Total Cost"]
        cursor.execute("DEALLOCATE ledger_plan")
        cursor.execute("RESET plan_cache_mode")
    return costs


@postgresql_only
@pytest.mark.parametrize(
    "operation", ["market", "limit", "stop", "cancel", "auto_repay_sell", "transfer", "borrow", "repay"]
)
def test_the_ledger_statement_weighs_alike_planned_for_its_values_or_not(trader, alice, operation):
    """A prepared statement is planned afresh for its values (a custom plan) on every run while PostgreSQL
    finds that plan cheaper than its one plan for any values (the generic plan) by more than planning costs.
    The ledger's statement for one balance (a resting LIMIT) was so: planned on every order, about half a
    millisecond of the database's CPU, more than its run. Its ids are hidden from the estimates
    (``_bulk_update_sql``): both plans weigh alike for every shape, and the generic one is kept."""
    client, account = trader
    isolated = client.post("/api/v1/accounts/isolated", {"symbol": "BTCUSDT"}, format="json").json()["id"]
    loan = {"account": account.pk, "asset": "USDT", "amount": "5"}
    if operation == "auto_repay_sell":
        client.post("/api/v1/orders", {"account": account.pk, **MARKET}, format="json")
    if operation == "repay":
        client.post("/api/v1/loans", loan, format="json")
    resting = client.post("/api/v1/orders", {"account": account.pk, **LIMIT}, format="json").json()["id"]
    _other_traders(120)
    sell = {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.002", "side_effect": "AUTO_REPAY"}
    requests = {
        "market": ("post", "/api/v1/orders", {"account": account.pk, **MARKET}),
        "limit": ("post", "/api/v1/orders", {"account": account.pk, **LIMIT}),
        "stop": (
            "post",
            "/api/v1/orders",
            {"account": account.pk, **LIMIT, "type": "STOP_LOSS_LIMIT", "price": "80000.00", "stop_price": "81000.00"},
        ),
        "auto_repay_sell": ("post", "/api/v1/orders", {"account": account.pk, **sell}),
        "cancel": ("delete", f"/api/v1/orders/{resting}", None),
        "transfer": (
            "post",
            "/api/v1/transfers",
            {"from_account": account.pk, "to_account": isolated, "asset": "BTC", "amount": "0.001"},
        ),
        "borrow": ("post", "/api/v1/loans", loan),
        "repay": ("post", "/api/v1/repayments", loan),
    }
    method, path, body = requests[operation]
    seen = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        answer = getattr(client, method)(path, body, format="json")
    assert answer.status_code in (200, 201), answer.content
    statements = [(sql, params) for sql, params in seen if " ".join(sql.split()).startswith("WITH locked")]
    assert statements  # the ledger's statement was seen
    for sql, params in statements:
        costs = _costs(sql, params)
        # PostgreSQL charges a custom plan at least 2.5 per relation of the statement for its planning.
        assert costs["custom"] > costs["generic"] - 2.5, (operation, costs)


# --- an order's first statement: two tables, the rest from the process's copies ----------------------------


def test_the_orders_lock_reads_two_tables_and_takes_assets_and_pair_from_the_copies(alice, set_prices):
    """The account and its balances, locked, are all the statement reads; each balance's asset and an isolated
    account's pair are the process's own copies (the objects ``assets_by_id`` and ``pairs_by_id`` keep), so an
    order makes ten objects fewer and PostgreSQL starts a plan of two tables, not six."""
    from trading.selectors import assets_by_id, pairs_by_id
    from trading.services.accounts import isolated_account_open
    from trading.services.ledger import own_account_lock

    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    isolated = isolated_account_open(user=alice, symbol="BTCUSDT")
    paper_funds_credit(account_id=isolated.pk, asset="USDT", amount="50")
    seen = []

    def capture(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(capture):
        locked = own_account_lock(user=alice, account_id=isolated.pk)
    assert locked is not None and len(seen) == 1
    assert "trading_asset" not in seen[0] and "trading_pair" not in seen[0]
    assert locked.account.pair is pairs_by_id(None)[isolated.pair_id]
    assert locked.account.pair.symbol == "BTCUSDT" and locked.account.user is alice
    for code, balance in locked.balances.items():
        assert balance.asset is assets_by_id(None)[balance.asset_id] and balance.asset.code == code
        assert balance.account is locked.account


def test_an_asset_or_pair_the_copies_lack_is_read(alice, set_prices, monkeypatch):
    """A balance of an asset outside the copies of the account's market, or a pair outside them, is read."""
    from trading.services import ledger
    from trading.services.accounts import isolated_account_open

    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    isolated = isolated_account_open(user=alice, symbol="BTCUSDT")
    paper_funds_credit(account_id=isolated.pk, asset="USDT", amount="50")
    monkeypatch.setattr(ledger, "assets_by_id", lambda market: {})
    monkeypatch.setattr(ledger, "pairs_by_id", lambda market: {})
    with transaction.atomic():
        locked = ledger.own_account_lock(user=alice, account_id=isolated.pk)
    assert locked.account.pair.symbol == "BTCUSDT" and locked.account.pair.base.code == "BTC"
    assert {code: balance.asset.code for code, balance in locked.balances.items()} == {"USDT": "USDT"}
