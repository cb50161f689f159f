"""Bad input at the service level: one ApplicationError with a clear message, and nothing changed.

Every refusal is checked the same way (``refused``): the error type and HTTP status, a message that
names the problem, and a database that is exactly as it was (balances, accounts, prices, and the
number of journal entries, ledger lines, orders, trades, transfers and loan events), with the ledger
still clean.
"""

from datetime import UTC, datetime
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from core.errors import ApplicationError, Conflict, InsufficientBalance, MarginRuleViolation, NotFound
from core.money import parse_decimal
from tests.helpers import NON_CANONICAL_NUMBERS, assert_ledger_clean, cross, spot
from trading.models import (
    Account,
    AccountKind,
    Asset,
    Balance,
    JournalEntry,
    LedgerLine,
    LoanEvent,
    MarkPrice,
    Order,
    Pair,
    Trade,
    Transfer,
)
from trading.services.accounts import account_leverage_set, isolated_account_open
from trading.services.common import clean_amount
from trading.services.loans import loan_borrow, loan_repay
from trading.services.markets import mark_price_set
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

# A fixed clock, so that no test straddles an hour boundary and accrues an unexpected hour of interest.
NOW = datetime(2026, 11, 21, 13, 55, tzinfo=UTC)


def snapshot() -> dict:
    return {
        "balances": list(
            Balance.objects.order_by("id").values_list(
                "id",
                "account_id",
                "asset_id",
                "free",
                "locked",
                "borrowed",
                "interest",
                "interest_accrued_exact",
                "interest_charged_hour",
                "entry_price",
            )
        ),
        "accounts": list(
            Account.objects.order_by("id").values_list("id", "user_id", "kind", "pair_id", "leverage", "is_frozen")
        ),
        "marks": list(MarkPrice.objects.order_by("pair_id").values_list("pair_id", "price", "updated_at")),
        "counts": {
            model.__name__: model.objects.count()
            for model in (JournalEntry, LedgerLine, Order, Trade, Transfer, LoanEvent)
        },
    }


def refused(call, *, error=ApplicationError, status: int = 400, match: str | None = None) -> ApplicationError:
    """Run ``call``; it must raise ``error`` (with ``status`` and a message matching ``match``) and change nothing."""
    before = snapshot()
    with pytest.raises(error, match=match) as info:
        call()
    assert info.value.status == status
    assert info.value.message and str(info.value) == info.value.message
    assert snapshot() == before
    assert_ledger_clean()
    return info.value


@pytest.fixture
def w(alice, bob, set_prices):
    """alice: 1,000 USDT and a 100 USDT loan in cross, 100 USDT in an isolated ETHUSDT account; bob: untouched."""
    set_prices(ETHUSDT="3500", BTCUSDT="95000")
    a_spot, a_cross = spot(alice), cross(alice)
    transfer_create(user=alice, from_account_id=a_spot.pk, to_account_id=a_cross.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=a_cross.pk, asset="USDT", amount="100", now=NOW)
    a_eth = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=a_spot.pk, to_account_id=a_eth.pk, asset="USDT", amount="100")
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        a_spot=a_spot,
        a_cross=a_cross,
        a_eth=a_eth,
        b_spot=spot(bob),
        b_cross=cross(bob),
        system=Account.objects.filter(kind=AccountKind.SYSTEM).order_by("id").first(),
    )


# --- amounts, for every service that takes one ------------------------------------------------------

BAD_AMOUNTS = [
    pytest.param("-1", "must be greater than zero", id="negative"),
    pytest.param("0", "must be greater than zero", id="zero"),
    pytest.param(0, "must be greater than zero", id="zero-int"),
    pytest.param("0.000000001", "has more than 8 decimal places", id="nine-decimals"),
    pytest.param(D("NaN"), "must be a finite number", id="nan-decimal"),
    pytest.param(D("Infinity"), "must be a finite number", id="infinity-decimal"),
    pytest.param("abc", "must be a decimal number", id="text"),
    pytest.param(1.5, "must be a decimal number given as a string", id="float"),
    pytest.param(None, "must be a decimal number given as a string", id="none"),
    pytest.param(True, "must be a decimal number given as a string", id="bool"),
    pytest.param("1000000000000000", "is too large", id="huge"),
    pytest.param(D("1e30"), "is too large", id="huge-decimal"),
    pytest.param("1_000", "must be a decimal number", id="underscore"),
]

AMOUNT_CALLS = {
    "transfer_create": (
        "Amount",
        lambda w, v: transfer_create(
            user=w.alice, from_account_id=w.a_spot.pk, to_account_id=w.a_cross.pk, asset="USDT", amount=v
        ),
    ),
    "loan_borrow": (
        "Amount",
        lambda w, v: loan_borrow(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount=v, now=NOW),
    ),
    "loan_repay": (
        "Amount",
        lambda w, v: loan_repay(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount=v, now=NOW),
    ),
    "order_place-quantity": (
        "Quantity",
        lambda w, v: order_place(
            user=w.alice, account_id=w.a_cross.pk, symbol="ETHUSDT", side="BUY", quantity=v, now=NOW
        ),
    ),
    "order_place-quote_quantity": (
        "Quote_quantity",
        lambda w, v: order_place(
            user=w.alice, account_id=w.a_cross.pk, symbol="ETHUSDT", side="BUY", quote_quantity=v, now=NOW
        ),
    ),
    "mark_price_set": ("Price", lambda w, v: mark_price_set(symbol="ETHUSDT", price=v)),
}


@pytest.mark.parametrize(("name", "text"), NON_CANONICAL_NUMBERS, ids=[name for name, _ in NON_CANONICAL_NUMBERS])
def test_only_a_plain_decimal_is_an_amount(name, text):
    # The one reader every service calls for an amount; each door's own test sends a few of these through it.
    with pytest.raises(ApplicationError, match=r"^Amount must be a decimal number\.$"):
        clean_amount(text)


@pytest.mark.parametrize("text", ["1", "0.5", "10.00000000", "007"])
def test_a_plain_decimal_reads_as_itself(text):
    assert clean_amount(text) == D(text)


def test_a_negative_plain_decimal_is_a_number_refused_for_its_sign():
    assert parse_decimal("-1.5") == D("-1.5")
    with pytest.raises(ApplicationError, match="must be greater than zero"):
        clean_amount("-1.5")


@pytest.mark.parametrize("service", list(AMOUNT_CALLS))
@pytest.mark.parametrize(("value", "problem"), BAD_AMOUNTS)
def test_a_bad_amount_is_refused(w, service, value, problem):
    field, call = AMOUNT_CALLS[service]
    if service.startswith("order_place") and value is None:
        # An absent quantity is not a bad number but a missing one.
        expected = "Send either quantity or quote_quantity."
    else:
        expected = f"{field} {problem}."
    error = refused(lambda: call(w, value))
    assert error.message == expected
    assert error.code == "invalid"


# --- unknown assets and symbols ---------------------------------------------------------------------

UNKNOWN_ASSETS = [
    pytest.param("XYZ", id="unknown"),
    pytest.param("", id="empty"),
    pytest.param(None, id="none"),
    pytest.param(5, id="int"),
]


@pytest.mark.parametrize("asset", UNKNOWN_ASSETS)
@pytest.mark.parametrize("service", ["transfer_create", "loan_borrow", "loan_repay"])
def test_an_unknown_asset_is_refused(w, service, asset):
    calls = {
        "transfer_create": lambda: transfer_create(
            user=w.alice, from_account_id=w.a_spot.pk, to_account_id=w.a_cross.pk, asset=asset, amount="1"
        ),
        "loan_borrow": lambda: loan_borrow(user=w.alice, account_id=w.a_cross.pk, asset=asset, amount="1", now=NOW),
        "loan_repay": lambda: loan_repay(user=w.alice, account_id=w.a_cross.pk, asset=asset, amount="1", now=NOW),
    }
    error = refused(calls[service], match=r"^Unknown asset")
    assert error.code == "unknown_asset"


UNKNOWN_SYMBOLS = [
    pytest.param("FOOUSDT", id="unknown"),
    pytest.param("ETH/USDT", id="slash"),
    pytest.param("", id="empty"),
    pytest.param(None, id="none"),
    pytest.param(1, id="int"),
]


@pytest.mark.parametrize("symbol", UNKNOWN_SYMBOLS)
@pytest.mark.parametrize("service", ["order_place", "isolated_account_open", "mark_price_set"])
def test_an_unknown_symbol_is_refused(w, service, symbol):
    calls = {
        "order_place": lambda: order_place(
            user=w.alice, account_id=w.a_cross.pk, symbol=symbol, side="BUY", quantity="0.01", now=NOW
        ),
        "isolated_account_open": lambda: isolated_account_open(user=w.alice, symbol=symbol),
        "mark_price_set": lambda: mark_price_set(symbol=symbol, price="3000"),
    }
    error = refused(calls[service], match=r"^Invalid symbol")
    assert error.code == "unknown_symbol"


# --- account ids: another user's, a system account, junk --------------------------------------------

BAD_ACCOUNT_IDS = [
    pytest.param(lambda w: w.b_cross.pk, id="other-users-cross"),
    pytest.param(lambda w: w.system.pk, id="system-account"),
    pytest.param(lambda w: "abc", id="text"),
    pytest.param(lambda w: None, id="none"),
    pytest.param(lambda w: 10**30, id="huge"),
    # A float or Decimal is not an id: 7.5 must not silently become account 7.
    pytest.param(lambda w: w.a_cross.pk + 0.5, id="float"),
    pytest.param(lambda w: D(w.a_cross.pk) + D("0.5"), id="decimal"),
]


def _account_calls(w, account_id):
    return {
        "transfer_create-from": lambda: transfer_create(
            user=w.alice, from_account_id=account_id, to_account_id=w.a_spot.pk, asset="USDT", amount="1"
        ),
        "transfer_create-to": lambda: transfer_create(
            user=w.alice, from_account_id=w.a_spot.pk, to_account_id=account_id, asset="USDT", amount="1"
        ),
        "loan_borrow": lambda: loan_borrow(user=w.alice, account_id=account_id, asset="USDT", amount="1", now=NOW),
        "loan_repay": lambda: loan_repay(user=w.alice, account_id=account_id, asset="USDT", amount="1", now=NOW),
        "order_place": lambda: order_place(
            user=w.alice, account_id=account_id, symbol="ETHUSDT", side="BUY", quantity="0.01", now=NOW
        ),
        "account_leverage_set": lambda: account_leverage_set(user=w.alice, account_id=account_id, leverage=5),
    }


ACCOUNT_SERVICES = [
    "transfer_create-from",
    "transfer_create-to",
    "loan_borrow",
    "loan_repay",
    "order_place",
    "account_leverage_set",
]


@pytest.mark.parametrize("account_id", BAD_ACCOUNT_IDS)
@pytest.mark.parametrize("service", ACCOUNT_SERVICES)
def test_an_account_that_is_not_the_users_is_not_found(w, service, account_id):
    # bob's accounts have money, so a leak would show as a changed balance, not only as a missing error.
    transfer_create(user=w.bob, from_account_id=w.b_spot.pk, to_account_id=w.b_cross.pk, asset="USDT", amount="1000")
    call = _account_calls(w, account_id(w))[service]
    error = refused(call, error=NotFound, status=404, match=r"^Account not found\.$")
    assert error.code == "not_found"


def test_an_anonymous_user_finds_no_account(w):
    from django.contrib.auth.models import AnonymousUser

    refused(
        lambda: transfer_create(
            user=AnonymousUser(), from_account_id=w.a_spot.pk, to_account_id=w.a_cross.pk, asset="USDT", amount="1"
        ),
        error=NotFound,
        status=404,
    )


# --- transfers --------------------------------------------------------------------------------------


def test_an_asset_outside_the_isolated_pair_cannot_be_transferred_in(w, set_prices):
    error = refused(
        lambda: transfer_create(
            user=w.alice, from_account_id=w.a_spot.pk, to_account_id=w.a_eth.pk, asset="BTC", amount="1"
        ),
        match=r"^BTC cannot be held in the ETHUSDT isolated margin account\.$",
    )
    assert error.code == "asset_not_allowed"


def test_an_asset_outside_the_isolated_pair_cannot_be_transferred_out(w):
    refused(
        lambda: transfer_create(
            user=w.alice, from_account_id=w.a_eth.pk, to_account_id=w.a_cross.pk, asset="BTC", amount="1"
        ),
        match="BTC cannot be held in the ETHUSDT isolated",
    )


@pytest.mark.parametrize("which", ["a_spot", "a_cross", "a_eth"])
def test_a_transfer_to_the_same_account_is_refused(w, which):
    account = getattr(w, which)
    refused(
        lambda: transfer_create(
            user=w.alice, from_account_id=account.pk, to_account_id=str(account.pk), asset="USDT", amount="1"
        ),
        match=r"^Choose two different accounts\.$",
    )


@pytest.mark.parametrize(
    ("source", "asset", "amount"),
    [
        pytest.param("a_spot", "USDT", "8900.00000001", id="one-satoshi-too-much"),
        pytest.param("a_spot", "USDT", "100000", id="far-too-much"),
        pytest.param("a_spot", "ETH", "1", id="asset-never-held"),
        pytest.param("a_eth", "USDT", "100.01", id="out-of-isolated"),
    ],
)
def test_a_transfer_beyond_the_free_balance_is_insufficient(w, source, asset, amount):
    target = w.a_cross if source != "a_cross" else w.a_spot
    error = refused(
        lambda: transfer_create(
            user=w.alice, from_account_id=getattr(w, source).pk, to_account_id=target.pk, asset=asset, amount=amount
        ),
        error=InsufficientBalance,
        match=r"^Account has insufficient balance for requested action",
    )
    assert error.code == "insufficient_balance"


def test_the_whole_spot_balance_can_be_moved(w):
    # The boundary of the test above: exactly the free balance is fine (so "one satoshi too much" is the limit).
    transfer_create(user=w.alice, from_account_id=w.a_spot.pk, to_account_id=w.a_cross.pk, asset="USDT", amount="8900")
    assert Balance.objects.get(account=w.a_spot, asset__code="USDT").free == 0
    assert_ledger_clean()


def test_a_transfer_out_below_the_transfer_out_ratio_is_refused(w):
    # 1,100 USDT against a debt of 100.00083333: taking out 1,000 leaves a level near 1, below 2.0.
    refused(
        lambda: transfer_create(
            user=w.alice, from_account_id=w.a_cross.pk, to_account_id=w.a_spot.pk, asset="USDT", amount="1000"
        ),
        error=MarginRuleViolation,
        match=r"below the transfer-out ratio 2",
    )


# --- loans ------------------------------------------------------------------------------------------


def test_a_spot_wallet_cannot_borrow(w):
    error = refused(
        lambda: loan_borrow(user=w.alice, account_id=w.a_spot.pk, asset="USDT", amount="1", now=NOW),
        match=r"^Only margin accounts can borrow\.$",
    )
    assert error.code == "not_margin_account"


def test_a_spot_wallet_has_nothing_to_repay(w):
    refused(
        lambda: loan_repay(user=w.alice, account_id=w.a_spot.pk, asset="USDT", amount="1", now=NOW),
        match=r"^Only margin accounts",
    )


def test_an_asset_outside_the_isolated_pair_cannot_be_borrowed(w):
    error = refused(
        lambda: loan_borrow(user=w.alice, account_id=w.a_eth.pk, asset="BTC", amount="0.001", now=NOW),
        match=r"^BTC cannot be held in the ETHUSDT isolated margin account\.$",
    )
    assert error.code == "asset_not_allowed"


def test_an_asset_outside_the_isolated_pair_cannot_be_repaid(w):
    refused(
        lambda: loan_repay(user=w.alice, account_id=w.a_eth.pk, asset="BTC", amount="0.001", now=NOW),
        match="BTC cannot be held",
    )


def test_borrowing_beyond_the_initial_ratio_is_refused(w):
    # Cross at 3x (initial 1.5) with 1,100 USDT against 100.00083333 of debt can borrow about 1,900 more.
    error = refused(
        lambda: loan_borrow(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount="5000", now=NOW),
        error=MarginRuleViolation,
        match=r"below the initial ratio 1\.5.*the most you can borrow is",
    )
    assert error.code == "margin_rule"


def test_borrowing_beyond_the_per_account_limit_is_refused(w):
    Asset.objects.filter(code="USDT").update(borrow_limit=D("150"))
    error = refused(lambda: loan_borrow(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount="51", now=NOW))
    assert error.code in ("borrow_limit", "margin_rule")
    assert "150" in error.message


def test_a_non_borrowable_asset_cannot_be_borrowed(w):
    Asset.objects.filter(code="ETH").update(borrowable=False)
    error = refused(lambda: loan_borrow(user=w.alice, account_id=w.a_cross.pk, asset="ETH", amount="0.01", now=NOW))
    assert "ETH" in error.message


def test_repaying_more_than_is_owed_is_refused(w):
    error = refused(
        lambda: loan_repay(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount="500", now=NOW),
        match=r"^Repaying 500 USDT is more than the 100\.00083333 owed\.$",
    )
    assert error.fields == {"amount": ["At most 100.00083333."]}


def test_repaying_one_satoshi_more_than_is_owed_is_refused(w):
    refused(
        lambda: loan_repay(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount="100.00083334", now=NOW),
        match="is more than the 100.00083333 owed",
    )


@pytest.mark.parametrize(
    ("which", "asset"),
    [
        pytest.param("a_cross", "ETH", id="cross-eth"),
        pytest.param("a_eth", "USDT", id="isolated-usdt"),
        pytest.param("b_cross", "USDT", id="empty-cross"),
    ],
)
def test_repaying_without_debt_is_refused(w, which, asset):
    user = w.bob if which.startswith("b_") else w.alice
    error = refused(
        lambda: loan_repay(user=user, account_id=getattr(w, which).pk, asset=asset, amount="1", now=NOW),
        match=rf"^There is no {asset} debt to repay\.$",
    )
    assert error.code == "no_debt"


def test_repaying_more_than_is_free_is_insufficient(w):
    # The isolated account borrows 50 USDT and spends (almost) all 150 on ETH: the debt stays, the cash is gone.
    loan_borrow(user=w.alice, account_id=w.a_eth.pk, asset="USDT", amount="50", now=NOW)
    order_place(user=w.alice, account_id=w.a_eth.pk, symbol="ETHUSDT", side="BUY", quote_quantity="149", now=NOW)
    refused(
        lambda: loan_repay(user=w.alice, account_id=w.a_eth.pk, asset="USDT", amount="50", now=NOW),
        error=InsufficientBalance,
    )


# --- orders -----------------------------------------------------------------------------------------


def order(w, **kwargs):
    params = {"user": w.alice, "account_id": w.a_cross.pk, "symbol": "ETHUSDT", "side": "BUY", "now": NOW}
    params.update(kwargs)
    return lambda: order_place(**params)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("price", "3500", id="price"),
        pytest.param("price", 0, id="price-zero"),
        pytest.param("stop_price", "3400", id="stop-price"),
        pytest.param("time_in_force", "GTC", id="time-in-force"),
    ],
)
def test_a_market_order_with_a_limit_parameter_is_refused(w, name, value):
    refused(order(w, quantity="0.01", **{name: value}), match=rf"^Parameter '{name}' sent when not required\.$")


@pytest.mark.parametrize(
    ("quantity", "quote_quantity"),
    [
        pytest.param("0.01", "50", id="both"),
        pytest.param(None, None, id="neither"),
        pytest.param("", "", id="neither-empty"),
        pytest.param(None, "", id="neither-mixed"),
    ],
)
def test_a_market_order_takes_exactly_one_of_quantity_and_quote_quantity(w, quantity, quote_quantity):
    refused(
        order(w, quantity=quantity, quote_quantity=quote_quantity), match=r"^Send either quantity or quote_quantity\.$"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("side", "HOLD", "Side must be one of BUY, SELL.", id="side"),
        pytest.param("side", None, "Side must be one of BUY, SELL.", id="side-none"),
        pytest.param(
            "type",
            "ICEBERG",
            "Type must be one of MARKET, LIMIT, LIMIT_MAKER, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT.",
            id="type",
        ),
        pytest.param(
            "side_effect",
            "YOLO",
            "Side_effect must be one of NO_SIDE_EFFECT, MARGIN_BUY, AUTO_REPAY, AUTO_BORROW_REPAY.",
            id="side-effect",
        ),
        pytest.param(
            "client_order_id",
            "has space",
            "client_order_id must be 1 to 36 letters, digits or _.:-",
            id="client-id-space",
        ),
        pytest.param(
            "client_order_id", "x" * 37, "client_order_id must be 1 to 36 letters, digits or _.:-", id="client-id-long"
        ),
        pytest.param(
            "client_order_id", 123, "client_order_id must be 1 to 36 letters, digits or _.:-", id="client-id-int"
        ),
    ],
)
def test_an_order_with_a_bad_field_is_refused(w, field, value, message):
    error = refused(order(w, quantity="0.01", **{field: value}))
    assert error.message == message


LIMIT = {"type": "LIMIT", "quantity": "0.01", "price": "3000"}  # a resting buy: the mark is 3,500
STOP = {"type": "STOP_LOSS_LIMIT", "side": "SELL", "quantity": "0.01", "price": "3000", "stop_price": "3100"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(LIMIT | {"price": None}, "Mandatory parameter 'price' was not sent.", id="limit-no-price"),
        pytest.param(LIMIT | {"quantity": ""}, "Mandatory parameter 'quantity' was not sent.", id="limit-no-quantity"),
        pytest.param(
            LIMIT | {"quote_quantity": "30"}, "Parameter 'quote_quantity' sent when not required.", id="limit-quote-qty"
        ),
        pytest.param(LIMIT | {"stop_price": "2900"}, "Parameter 'stop_price' sent when not required.", id="limit-stop"),
        pytest.param(LIMIT | {"time_in_force": "DAY"}, "Time_in_force must be one of GTC, IOC, FOK.", id="limit-tif"),
        pytest.param(LIMIT | {"price": "abc"}, "Price must be a decimal number.", id="limit-price-text"),
        pytest.param(LIMIT | {"price": "-3000"}, "Price must be greater than zero.", id="limit-price-negative"),
        pytest.param(LIMIT | {"price": "NaN"}, "Price must be a decimal number.", id="limit-price-nan"),
        pytest.param(
            LIMIT | {"price": 3000.0}, "Price must be a decimal number given as a string.", id="limit-price-float"
        ),
        pytest.param(LIMIT | {"price": "3000.001"}, "Filter failure: PRICE_FILTER", id="limit-price-off-tick"),
        pytest.param(LIMIT | {"quantity": "0.00015"}, "Filter failure: LOT_SIZE", id="limit-lot-size"),
        pytest.param(LIMIT | {"quantity": "0.001"}, "Filter failure: NOTIONAL", id="limit-notional"),
        pytest.param(
            LIMIT | {"type": "LIMIT_MAKER", "time_in_force": "GTC"},
            "Parameter 'time_in_force' sent when not required.",
            id="limit-maker-tif",
        ),
        pytest.param(
            LIMIT | {"type": "LIMIT_MAKER", "price": "3600"},
            "Order would immediately match and take.",
            id="maker-takes",
        ),
        pytest.param(STOP | {"stop_price": None}, "Mandatory parameter 'stop_price' was not sent.", id="stop-no-stop"),
        pytest.param(STOP | {"stop_price": "3100.005"}, "Filter failure: PRICE_FILTER", id="stop-off-tick"),
        pytest.param(STOP | {"stop_price": "3600"}, "Order would immediately trigger.", id="stop-would-trigger"),
    ],
)
def test_a_limit_or_stop_order_with_bad_parameters_is_refused(w, kwargs, message):
    error = refused(order(w, **kwargs))
    assert error.message == message


def test_a_limit_order_without_the_funds_to_lock_is_insufficient(w):
    refused(
        order(w, user=w.bob, account_id=w.b_cross.pk, **LIMIT),
        error=InsufficientBalance,
        match=r"^Account has insufficient balance for requested action",
    )


@pytest.mark.parametrize(
    ("symbol", "kwargs", "filter_name"),
    [
        pytest.param("ETHUSDT", {"quantity": "0.00015"}, "LOT_SIZE", id="not-a-step-multiple"),
        pytest.param("DOGEUSDT", {"quantity": "100.5"}, "LOT_SIZE", id="not-a-whole-doge"),
        pytest.param("ETHUSDT", {"quote_quantity": "0.01"}, "LOT_SIZE", id="quote-quantity-rounds-to-zero"),
        pytest.param("ETHUSDT", {"quantity": "0.001"}, "NOTIONAL", id="notional-3.5"),
        pytest.param("ETHUSDT", {"quote_quantity": "4"}, "NOTIONAL", id="quote-quantity-notional"),
    ],
)
def test_a_pair_filter_failure_is_named(w, symbol, kwargs, filter_name):
    error = refused(order(w, symbol=symbol, **kwargs), match=rf"^Filter failure: {filter_name}$")
    assert error.code == "filter_failure"


def test_a_quantity_below_min_qty_is_a_lot_size_failure(w):
    # Every default pair has min qty == step size; raise BTCUSDT's min qty so that the two differ.
    Pair.objects.filter(symbol="BTCUSDT").update(min_qty=D("0.001"))
    refused(order(w, symbol="BTCUSDT", quantity="0.0005"), match=r"^Filter failure: LOT_SIZE$")
    # The boundary: exactly min qty passes the filter (95 USDT notional > 5).
    placed = order_place(user=w.alice, account_id=w.a_cross.pk, symbol="BTCUSDT", side="BUY", quantity="0.001", now=NOW)
    assert placed.status == Order.Status.FILLED


def test_an_isolated_account_trades_only_its_pair(w):
    error = refused(
        order(w, account_id=w.a_eth.pk, symbol="BTCUSDT", quantity="0.0001"),
        match=r"^The isolated ETHUSDT account trades only ETHUSDT\.$",
    )
    assert error.code == "symbol_not_allowed"


@pytest.mark.parametrize("side_effect", ["MARGIN_BUY", "AUTO_REPAY", "AUTO_BORROW_REPAY"])
def test_a_spot_order_takes_no_side_effect(w, side_effect):
    refused(
        order(w, account_id=w.a_spot.pk, quantity="0.01", side_effect=side_effect),
        match=r"^Side effects need a margin account\.$",
    )


def test_a_halted_pair_takes_no_order(w):
    Pair.objects.filter(symbol="ETHUSDT").update(is_active=False)
    error = refused(order(w, quantity="0.01"), match=r"^ETHUSDT is not trading\.$")
    assert error.code == "symbol_halted"


@pytest.mark.parametrize(
    ("who", "account", "kwargs"),
    [
        pytest.param("bob", "b_cross", {"side": "BUY", "quantity": "0.01"}, id="buy-with-no-funds"),
        pytest.param("bob", "b_spot", {"side": "BUY", "quantity": "3"}, id="spot-buy-beyond-funds"),
        pytest.param("alice", "a_cross", {"side": "SELL", "quantity": "0.01"}, id="sell-what-is-not-held"),
        pytest.param("alice", "a_cross", {"side": "BUY", "quote_quantity": "1105"}, id="quote-beyond-free"),
    ],
)
def test_an_order_without_the_funds_is_insufficient(w, who, account, kwargs):
    refused(
        order(w, user=getattr(w, who), account_id=getattr(w, account).pk, **kwargs),
        error=InsufficientBalance,
        match=r"^Account has insufficient balance for requested action",
    )


def test_a_margin_buy_beyond_the_initial_ratio_is_refused(w):
    # 1 BTC is about 95,000 USDT: far more than 1,100 USDT at 3x can carry.
    refused(
        order(w, symbol="BTCUSDT", quantity="1", side_effect="MARGIN_BUY"),
        error=MarginRuleViolation,
        match=r"below the initial ratio 1\.5",
    )


# --- frozen accounts --------------------------------------------------------------------------------


@pytest.fixture
def frozen(w):
    Account.objects.filter(pk=w.a_cross.pk).update(is_frozen=True)
    return w


FROZEN_CALLS = {
    "transfer-in": lambda w: transfer_create(
        user=w.alice, from_account_id=w.a_spot.pk, to_account_id=w.a_cross.pk, asset="USDT", amount="1"
    ),
    "transfer-out": lambda w: transfer_create(
        user=w.alice, from_account_id=w.a_cross.pk, to_account_id=w.a_spot.pk, asset="USDT", amount="1"
    ),
    "borrow": lambda w: loan_borrow(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount="1", now=NOW),
    "repay": lambda w: loan_repay(user=w.alice, account_id=w.a_cross.pk, asset="USDT", amount="1", now=NOW),
    "order": lambda w: order_place(
        user=w.alice, account_id=w.a_cross.pk, symbol="ETHUSDT", side="BUY", quantity="0.01", now=NOW
    ),
    "margin-order": lambda w: order_place(
        user=w.alice,
        account_id=w.a_cross.pk,
        symbol="ETHUSDT",
        side="BUY",
        quantity="0.01",
        side_effect="MARGIN_BUY",
        now=NOW,
    ),
}


@pytest.mark.parametrize("action", list(FROZEN_CALLS))
def test_a_frozen_account_refuses_money_movements(frozen, action):
    error = refused(lambda: FROZEN_CALLS[action](frozen), status=403, match=r"^The account is frozen\.$")
    assert error.code == "account_frozen"


def test_a_frozen_account_does_not_block_the_users_other_accounts(frozen):
    w = frozen
    transfer_create(user=w.alice, from_account_id=w.a_spot.pk, to_account_id=w.a_eth.pk, asset="USDT", amount="1")
    assert_ledger_clean()


# --- idempotency of client order ids ----------------------------------------------------------------


@pytest.fixture
def first_order(w):
    return order_place(
        user=w.alice,
        account_id=w.a_cross.pk,
        symbol="ETHUSDT",
        side="BUY",
        quantity="0.01",
        client_order_id="mine-1",
        now=NOW,
    )


def test_the_same_client_order_id_with_the_same_order_returns_the_first_order(w, first_order):
    before = snapshot()
    again = order_place(
        user=w.alice,
        account_id=w.a_cross.pk,
        symbol="ethusdt",
        side="buy",
        quantity=D("0.0100"),
        client_order_id="mine-1",
        now=NOW,
    )
    assert again.pk == first_order.pk
    assert again.status == Order.Status.FILLED
    assert snapshot() == before
    assert_ledger_clean()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"quantity": "0.02"}, id="quantity"),
        pytest.param({"side": "SELL"}, id="side"),
        pytest.param({"symbol": "BTCUSDT", "quantity": "0.0001"}, id="symbol"),
        pytest.param({"side_effect": "MARGIN_BUY"}, id="side-effect"),
        pytest.param({"quantity": None, "quote_quantity": "35"}, id="quote-quantity"),
    ],
)
def test_the_same_client_order_id_with_a_different_order_is_a_conflict(w, first_order, changes):
    params = {"side": "BUY", "symbol": "ETHUSDT", "quantity": "0.01", "client_order_id": "mine-1"} | changes
    error = refused(order(w, **params), error=Conflict, status=409, match=r"^client_order_id 'mine-1' was already used")
    assert error.code == "duplicate_client_order_id"


def test_a_client_order_id_is_per_account(w, first_order):
    other = order_place(
        user=w.alice,
        account_id=w.a_eth.pk,
        symbol="ETHUSDT",
        side="BUY",
        quantity="0.01",
        client_order_id="mine-1",
        now=NOW,
    )
    assert other.pk != first_order.pk


# --- leverage ---------------------------------------------------------------------------------------

BAD_LEVERAGES = [
    pytest.param("7", id="seven"),
    pytest.param(0, id="zero"),
    pytest.param("-3", id="negative"),
    pytest.param("abc", id="text"),
    pytest.param("", id="empty"),
    pytest.param(True, id="bool"),
    pytest.param(3.0, id="float"),
    # str.isdigit() is true for these, yet int() cannot read them: they must be refused, not crash.
    pytest.param("\u00b2", id="superscript-two"),
    pytest.param("3" * 5000, id="5000-digits"),
]


@pytest.mark.parametrize("leverage", [*BAD_LEVERAGES, pytest.param(None, id="none")])
def test_a_bad_cross_leverage_is_refused(w, leverage):
    error = refused(
        lambda: account_leverage_set(user=w.alice, account_id=w.a_cross.pk, leverage=leverage),
        match=r"^Leverage must be one of 3x, 5x, 10x\.$",  # 10x: Cross Margin Pro
    )
    assert error.fields == {"leverage": ["Must be one of 3x, 5x, 10x."]}


@pytest.mark.parametrize("leverage", [*BAD_LEVERAGES, pytest.param(20, id="twenty")])
def test_a_bad_isolated_leverage_is_refused_when_changed(w, leverage):
    refused(
        lambda: account_leverage_set(user=w.alice, account_id=w.a_eth.pk, leverage=leverage),
        match=r"^Leverage must be one of 3x, 5x, 10x\.$",
    )


@pytest.mark.parametrize("leverage", [*BAD_LEVERAGES, pytest.param(20, id="twenty")])
def test_a_bad_isolated_leverage_is_refused_when_opening(w, leverage):
    refused(
        lambda: isolated_account_open(user=w.alice, symbol="BTCUSDT", leverage=leverage),
        match=r"^Leverage must be one of",
    )


def test_leverage_above_the_pairs_maximum_is_refused(w):
    # BCHUSDT goes up to 5x only.
    refused(
        lambda: isolated_account_open(user=w.alice, symbol="BCHUSDT", leverage=10),
        match=r"^Leverage must be one of 3x, 5x\.$",
    )


def test_a_spot_wallet_has_no_leverage(w):
    error = refused(lambda: account_leverage_set(user=w.alice, account_id=w.a_spot.pk, leverage=3))
    assert error.code == "not_margin_account"


def test_lowering_leverage_below_the_current_level_is_refused(w):
    # bob at 5x borrows 1500 on 400 of his own (1900 / 1500 = 1.2667), below 3x's initial 1.5.
    bob_cross = w.b_cross
    account_leverage_set(user=w.bob, account_id=bob_cross.pk, leverage=5)
    transfer_create(user=w.bob, from_account_id=w.b_spot.pk, to_account_id=bob_cross.pk, asset="USDT", amount="400")
    loan_borrow(user=w.bob, account_id=bob_cross.pk, asset="USDT", amount="1500", now=NOW)
    error = refused(
        lambda: account_leverage_set(user=w.bob, account_id=bob_cross.pk, leverage="3"),
        match=r"Changing to 3x would leave the margin level at 1\.2666, below the initial ratio 1\.5; repay debt first",  # 1.26666...: rounded down, never up towards the ratio
    )
    assert error.code == "margin_rule"
    assert Account.objects.get(pk=bob_cross.pk).leverage == 5


# --- isolated accounts ------------------------------------------------------------------------------


def test_a_second_isolated_account_for_the_same_pair_is_a_conflict(w):
    error = refused(lambda: isolated_account_open(user=w.alice, symbol="ethusdt"), error=Conflict, status=409)
    assert error.code == "isolated_exists"


def test_the_isolated_account_limit_is_enforced_by_the_service(w, platform):
    platform.isolated_account_limit = 1
    platform.save()
    error = refused(lambda: isolated_account_open(user=w.alice, symbol="BTCUSDT"), match=r"^At most 1 isolated")
    assert error.code == "isolated_limit"


@pytest.mark.parametrize("flag", ["is_active", "margin_enabled", "isolated_enabled"])
def test_a_pair_closed_for_isolated_margin_cannot_be_opened(w, flag):
    Pair.objects.filter(symbol="BTCUSDT").update(**{flag: False})
    error = refused(
        lambda: isolated_account_open(user=w.alice, symbol="BTCUSDT"),
        match=r"^BTCUSDT is not open for isolated margin\.$",
    )
    assert error.code == "isolated_not_allowed"


# --- mark prices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "price"), [("ETHUSDT", "3500.001"), ("BCHUSDT", "450.05"), ("DOGEUSDT", "0.250001")]
)
def test_a_mark_price_off_the_tick_is_refused(w, symbol, price):
    error = refused(
        lambda: mark_price_set(symbol=symbol, price=price), match=rf"^Price {price} is not a multiple of the tick size"
    )
    assert error.fields == {"price": ["Filter failure: PRICE_FILTER"]}
