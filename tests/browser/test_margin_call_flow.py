"""A person's way through the seed's lesson, in a real browser against the live server.

Sign up, fund a cross account and an isolated ETHUSDT account from the spot wallet, MARGIN_BUY ETH in the
isolated one; then staff move the price in the admin, and the account page shows the margin call, then the
liquidation with its explanation, without a reload; the cross account beside it is unchanged.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD, amounts, cross, margin_call_price
from trading.models import Account, MarkPrice

# Transactional: the live server reads what the test's browser writes. The migrations' listing (pairs,
# prices, risk profiles) is restored after the flush that ends a transactional test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LIVE = 15_000  # ms: the live parts refresh every few seconds


def sign_up(page, base: str, username: str) -> None:
    page.goto(f"{base}/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("#total-equity")).to_contain_text("10,000.00")


def transfer_in(page, amount: str) -> None:
    """On an account page: from the spot wallet (the form's default) into this account."""
    page.fill("#id_transfer-amount", amount)
    page.click("#transfer button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(f"Transferred {amount} USDT")


def staff_sets_price(staff, base: str, pair_id: int, price: Decimal) -> None:
    staff.goto(f"{base}/admin/trading/pair/")
    staff.check(f"input[name=_selected_action][value='{pair_id}']")
    staff.select_option("select[name=action]", "set_price")
    staff.click("button[name=index]")
    expect(staff.locator("h1")).to_contain_text("Set the mark price of ETHUSDT")
    staff.fill("#id_price", str(price))
    staff.click("input[name=apply]")
    expect(staff.locator(".messagelist")).to_contain_text(f"ETHUSDT mark price is now {price.normalize():f}")


def test_margin_call_then_liquidation_in_the_isolated_account_and_cross_untouched(live_server, new_page, charlie):
    base = live_server.url
    charlie.is_superuser = True
    charlie.save()
    page = new_page()

    # --- a new trader funds a cross account and an isolated ETHUSDT account from the spot wallet ---
    sign_up(page, base, "erin")
    cross_id = page.locator(".account-cross").get_attribute("data-account-id")
    page.click(".account-cross")
    transfer_in(page, "1000")
    page.click("text=Dashboard")
    page.select_option("#id_isolated-symbol", "ETHUSDT")
    page.select_option("#id_isolated-leverage", "5")
    page.click("#open-isolated button[type=submit]")
    expect(page.locator("#account-live h1")).to_contain_text("Isolated ETHUSDT")
    isolated_id = int(re.search(r"/accounts/(\d+)/", page.url).group(1))
    transfer_in(page, "1000")

    # --- MARGIN_BUY 1 ETH with the Isolated switch ---
    expect(page.locator("[name=ticket-mode][value=isolated]")).to_be_checked()
    page.select_option("#id_ticket-side_effect", "MARGIN_BUY")
    page.fill("#id_ticket-quantity", "1")
    page.click("#ticket button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("BUY MARKET ETHUSDT: FILLED")
    expect(page.locator("#account-status")).to_have_text("NORMAL")
    expect(page.locator(".positions tr[data-asset=ETH]")).to_contain_text("LONG")
    cross_before = amounts(cross(Account.objects.get(pk=cross_id).user), "USDT")
    isolated = Account.objects.get(pk=isolated_id)
    eth = MarkPrice.objects.get(pair__symbol="ETHUSDT").pair

    # --- staff move the price: a margin call, shown live ---
    staff = new_page()
    staff.goto(f"{base}/admin/login/")
    staff.fill("#id_username", "charlie")
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    staff_sets_price(staff, base, eth.pk, margin_call_price(isolated))

    expect(page.locator("#account-status")).to_have_text("MARGIN_CALL", timeout=LIVE)
    risk = page.locator("#account-risk")
    expect(risk).to_contain_text("Margin call on your isolated ETHUSDT account", timeout=LIVE)
    expect(risk.locator(".margin-calls")).to_contain_text("classic")
    expect(page.locator("#unread-badge")).to_have_text("1", timeout=LIVE)

    # --- and further down: liquidated, with the explanation ---
    staff_sets_price(staff, base, eth.pk, Decimal("2600.00"))

    expect(risk).to_contain_text("Your isolated ETHUSDT account was liquidated", timeout=LIVE)
    explanation = risk.locator(".liquidation .explanation")
    expect(explanation).to_contain_text(f"isolated margin account #{isolated_id} was liquidated")
    expect(explanation).to_contain_text("at or below the liquidation ratio 1.05 of the 'classic' risk profile")
    expect(explanation).to_contain_text("ETH 2600.00")
    # No debt is left, but the card says LIQUIDATED (not a healthy NORMAL) until the notice is read.
    expect(page.locator("#account-status")).to_have_text("LIQUIDATED", timeout=LIVE)
    expect(page.locator("#liquidated-notice")).to_contain_text("Liquidated")
    page.reload()
    expect(page.locator("#history .tag-liquidation").first).to_have_text("LIQUIDATION")
    expect(page.locator("#history .liquidation-fee")).to_contain_text("liquidation fee")
    page.click("#liquidated-notice button[type=submit]")
    expect(page.locator("#account-status")).to_have_text("NORMAL", timeout=LIVE)

    # --- the cross account beside it: exactly as it was ---
    page.click("text=Dashboard")
    card = page.locator(f".account-cross[data-account-id='{cross_id}']")
    expect(card).to_contain_text("1,000.00")
    expect(card).to_contain_text("NORMAL")
    expect(card).to_contain_text("no debt")
    assert amounts(Account.objects.get(pk=cross_id), "USDT") == cross_before == (Decimal("1000"), 0, 0, 0)
    notes = page.locator("#notifications")
    expect(notes).to_contain_text("Margin call on your isolated ETHUSDT account")
    expect(notes).to_contain_text("Your isolated ETHUSDT account was liquidated")


def test_the_dashboard_fits_a_phone(live_server, new_page):
    page = new_page(width=390, height=844)

    sign_up(page, live_server.url, "fay")

    # Nothing wider than the screen: the page does not scroll sideways (tables scroll in their own box).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    expect(page.locator(".account-cross")).to_be_visible()
