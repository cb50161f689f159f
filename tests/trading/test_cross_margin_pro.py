"""Cross Margin Pro (cross 10x) beside Cross Margin Classic (3x/5x), and the rules in force named on every
page that shows a margin level.

Binance: Pro supports up to 10x; its margin level is net equity / required maintenance margin and it is
liquidated at <= 1.0 (Classic: total asset / (liability + interest), <= 1.1); switch to Pro when the Classic
level is above 1.25, back to Classic when above the initial risk ratio
(https://www.binance.com/en/support/faq/0b5441a1c1ff431bb2e135dfa8e6ffba). The rule in code:
``trading.margin`` (Cross Margin Pro section) and ``trading.selectors.tier_ratios``.
"""

from decimal import Decimal as D

import pytest

from core.errors import MarginRuleViolation
from tests.api.api_helpers import API, ok
from tests.api.conftest import client_for
from tests.helpers import UNIT, assert_ledger_clean, cross, spot
from trading import margin, selectors
from trading.margin import Status, Valuation
from trading.services.accounts import account_leverage_set
from trading.services.loans import loan_borrow, loan_repay, max_borrowable_get
from trading.services.transfers import transfer_create


@pytest.fixture
def funded(alice, zero_costs):
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    return account


def _ratios(account):
    account.refresh_from_db()
    return selectors.ratios_get(account=account, profile_id=selectors.platform_settings_get().risk_profile_id)


def test_a_pro_level_of_p_is_the_margin_level_1_plus_m_p():
    assert margin.pro_threshold(D("1.0"), D("0.03")) == D("1.03")
    assert margin.pro_margin_level(Valuation(assets=D(1030), debt=D(1000)), D("0.03")) == D(1)
    assert margin.pro_margin_level(Valuation(assets=D(1000), debt=D(0)), D("0.03")) is None


def test_the_pro_tier_becomes_margin_levels_in_one_place(alice, funded):
    account_leverage_set(user=alice, account_id=funded.pk, leverage=10)
    ratios = _ratios(funded)
    assert (ratios.initial, ratios.margin_call, ratios.liquidation) == (D("1.1112"), D("1.045"), D("1.03"))
    assert ratios.rules == "classic · Cross Margin Pro 10x"
    # Liquidated at a Pro level of exactly 1.0, margin call at or under 1.5 (Pro units), normal above.
    assert margin.classify(D("1.03"), ratios) == Status.LIQUIDATION
    assert margin.classify(D("1.03000001"), ratios) == Status.MARGIN_CALL
    assert margin.classify(D("1.045"), ratios) == Status.MARGIN_CALL
    assert margin.classify(D("1.04500001"), ratios) == Status.NORMAL


def test_pro_borrows_up_to_its_initial_ratio_and_one_unit_more_is_refused(alice, funded):
    account_leverage_set(user=alice, account_id=funded.pk, leverage=10)
    most = max_borrowable_get(user=alice, account_id=funded.pk, asset="USDT")
    assert most == margin.round_down(D(1000) / D("0.1112"))  # (1000 + b) / b >= 1.1112
    with pytest.raises(MarginRuleViolation, match=r"below the initial ratio 1\.1112"):
        loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount=most + UNIT)
    loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount=most)
    funded.refresh_from_db()
    assert selectors.account_summary_get(account=funded).pro_margin_level > D("3.7")  # (A - D) / (0.03 D)
    assert_ledger_clean()


def test_switching_to_pro_needs_a_level_above_1_25(alice, funded):
    account_leverage_set(user=alice, account_id=funded.pk, leverage=5)
    loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount="4000")  # 5000 / 4000: exactly 1.25
    with pytest.raises(MarginRuleViolation, match=r"Switching to Cross Margin Pro needs a margin level above 1\.25"):
        account_leverage_set(user=alice, account_id=funded.pk, leverage=10)
    assert _ratios(funded).rules == "classic · Cross Margin Classic 5x"
    loan_repay(user=alice, account_id=funded.pk, asset="USDT", amount=UNIT)  # just above 1.25
    account_leverage_set(user=alice, account_id=funded.pk, leverage=10)
    assert _ratios(funded).rules == "classic · Cross Margin Pro 10x"


def test_switching_back_to_classic_needs_a_level_above_its_initial_ratio(alice, funded):
    account_leverage_set(user=alice, account_id=funded.pk, leverage=10)
    loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount="4000")  # exactly 1.25
    with pytest.raises(
        MarginRuleViolation, match=r"Switching to Cross Margin Classic needs a margin level above 1\.25"
    ):
        account_leverage_set(user=alice, account_id=funded.pk, leverage=5)
    with pytest.raises(MarginRuleViolation, match=r"above 1\.5"):
        account_leverage_set(user=alice, account_id=funded.pk, leverage=3)
    loan_repay(user=alice, account_id=funded.pk, asset="USDT", amount="4000")
    account_leverage_set(user=alice, account_id=funded.pk, leverage=3)  # no debt: any switch
    assert _ratios(funded).rules == "classic · Cross Margin Classic 3x"


def test_the_binance_profile_names_itself_too(alice, funded, binance_profile):
    assert _ratios(funded).rules == "binance-2025 · Cross Margin Classic 3x"


def test_api_shows_the_rules_and_the_pro_level(alice, funded):
    api = client_for(alice)
    body = ok(api.patch(f"{API}/accounts/{funded.pk}", {"leverage": 10}))
    assert (body["leverage"], body["rules"], body["pro_margin_level"]) == (10, "classic · Cross Margin Pro 10x", None)
    loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount="1000")
    body = ok(api.get(f"{API}/accounts/{funded.pk}"))
    assert body["pro_margin_level"] == "33.33333333"  # (2000 - 1000) / (0.03 x 1000)
    spot_body = ok(api.get(f"{API}/accounts/{spot(alice).pk}"))
    assert spot_body["rules"] is None


def test_every_page_with_a_margin_level_names_the_rules(client, alice, funded):
    account_leverage_set(user=alice, account_id=funded.pk, leverage=10)
    loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount="1000")
    client.force_login(alice)
    for url in ("/", f"/accounts/{funded.pk}/", f"/accounts/{funded.pk}/live"):
        page = client.get(url).content.decode()
        assert 'Rules in force: <b class="risk-rules">classic · Cross Margin Pro 10x</b>' in page, url
        assert "Pro margin level 33.3333" in page, url


def test_the_admin_explains_the_profiles(client, charlie):
    charlie.is_superuser = True
    charlie.save(update_fields=["is_superuser"])
    client.force_login(charlie)
    profile = selectors.platform_settings_get().risk_profile
    assert "seed example" in profile.description
    page = client.get(f"/admin/trading/riskprofile/{profile.pk}/change/").content.decode()
    assert "Cross Margin Pro only" in page  # the tier's maintenance-rate help
    assert "reproduces the seed example" in page
