"""Sign-up, isolated accounts, leverage and resets."""

from decimal import Decimal as D

import pytest

from core.errors import ApplicationError, Conflict, MarginRuleViolation
from tests.helpers import PASSWORD, amounts, assert_ledger_clean, cross, spot
from trading.models import Account, AccountKind, JournalEntry, LedgerLine, Order, Transfer
from trading.services.accounts import account_leverage_set, account_reset, isolated_account_open, user_signup
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def test_signup_rejects_weak_password_and_taken_username(platform):
    with pytest.raises(ApplicationError) as info:
        user_signup(username="eve", password="123")
    assert "password" in info.value.fields
    user_signup(username="eve", password=PASSWORD)
    with pytest.raises(Conflict):
        user_signup(username="eve", password=PASSWORD)
    assert Account.objects.filter(user__username="eve").count() == 2


def test_leverage_change_respects_the_new_initial_ratio(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    account_leverage_set(user=alice, account_id=account.pk, leverage="5x")
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="400")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="1600")
    with pytest.raises(MarginRuleViolation, match="Changing to 3x .* below the initial ratio 1.5; repay debt first"):
        account_leverage_set(user=alice, account_id=account.pk, leverage=3)
    account.refresh_from_db()
    assert account.leverage == 5
    # 10x is Cross Margin Pro: switching needs a margin level above 1.25 (Binance's rule), and 1.25 is not.
    with pytest.raises(ApplicationError, match="Switching to Cross Margin Pro needs a margin level above 1.25"):
        account_leverage_set(user=alice, account_id=account.pk, leverage=10)
    account.refresh_from_db()
    assert account.leverage == 5


def test_isolated_leverage_is_capped_by_the_pair(alice):
    with pytest.raises(ApplicationError, match="3x, 5x"):
        isolated_account_open(user=alice, symbol="BCHUSDT", leverage=10)
    assert isolated_account_open(user=alice, symbol="BCHUSDT").leverage == 5


def test_reset_clears_debts_and_positions_and_keeps_history(alice, set_prices):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    order_place(
        user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="10", side_effect="MARGIN_BUY"
    )
    loan_borrow(user=alice, account_id=account.pk, asset="ETH", amount="1")
    history = (Order.objects.count(), Transfer.objects.count(), LedgerLine.objects.count())

    account_reset(user=alice, account_id=account.pk)
    for asset in ("USDT", "ETH"):
        assert amounts(account, asset) == (0, 0, 0, 0)
    assert Order.objects.count() == history[0] and Transfer.objects.count() == history[1]
    assert LedgerLine.objects.count() > history[2]
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.RESET, account=account).exists()
    assert_ledger_clean()


def test_spot_reset_restores_the_starting_balance(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    order_place(user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", quantity="3")
    account_reset(user=alice, account_id=spot(alice).pk)
    assert amounts(spot(alice), "USDT") == (D(10000), 0, 0, 0)
    assert amounts(spot(alice), "ETH") == (0, 0, 0, 0)
    assert_ledger_clean()


def test_reset_of_another_users_account_is_not_found(alice, bob):
    with pytest.raises(ApplicationError) as info:
        account_reset(user=bob, account_id=cross(alice).pk)
    assert info.value.status == 404
    assert Account.objects.get(user=alice, kind=AccountKind.CROSS)


@pytest.mark.parametrize("junk", ["ETH\x00USDT", "ETH USDT", "ETHUSDT;--", "", "É"])
def test_symbols_and_codes_that_are_not_letters_and_digits_are_unknown(alice, junk):
    from trading.selectors import asset_get, pair_get

    with pytest.raises(ApplicationError, match="Invalid symbol"):
        pair_get(symbol=junk)
    with pytest.raises(ApplicationError, match="Unknown asset"):
        asset_get(code=junk)


def test_margin_reset_returns_what_is_left_to_the_spot_wallet_through_the_ledger(alice, set_prices):
    set_prices(ETHUSDT=200)
    isolated = isolated_account_open(user=alice, symbol="ETHUSDT")
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=isolated.pk, asset="USDT", amount="10.35")
    before = amounts(spot(alice), "USDT")[0]

    done = account_reset(user=alice, account_id=isolated.pk)

    assert done.returned_to_spot == D("10.35")
    assert amounts(isolated, "USDT") == (0, 0, 0, 0)
    assert amounts(spot(alice), "USDT")[0] == before + D("10.35")
    entry = JournalEntry.objects.get(kind=JournalEntry.Kind.RESET, account=isolated)
    spot_line = entry.lines.get(balance__account=spot(alice))
    assert spot_line.amount == D("10.35") and "10.35 USDT back to the spot wallet" in entry.memo
    assert_ledger_clean()


def test_margin_reset_returns_the_equity_at_mark_prices_after_debts(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    order_place(
        user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="10", side_effect="MARGIN_BUY"
    )
    set_prices(ETHUSDT=150)  # 10 ETH worth 1500 against 1000 USDT owed: 500 is left
    before = amounts(spot(alice), "USDT")[0]

    done = account_reset(user=alice, account_id=account.pk)

    assert done.returned_to_spot == D(500)
    assert amounts(spot(alice), "USDT")[0] == before + D(500)
    assert amounts(account, "ETH") == (0, 0, 0, 0)
    assert_ledger_clean()


def test_margin_reset_under_water_returns_nothing(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="100")
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="1", side_effect="MARGIN_BUY")
    set_prices(ETHUSDT=10)
    before = amounts(spot(alice), "USDT")[0]

    assert account_reset(user=alice, account_id=account.pk).returned_to_spot == 0
    assert amounts(spot(alice), "USDT")[0] == before
    assert_ledger_clean()
