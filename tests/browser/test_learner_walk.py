"""A first-time learner's walk through the margin pages, at a laptop's size and a phone's, with a photo of
each step (kept in test-artifacts/ when the walk fails): the first step shown on an empty card, which API
page is which, the ticket's max and its refusals in words beside the field, amounts at their precision, an
honest margin-level chart, and a reset that says where the money goes.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_margin_call_flow import LIVE, sign_up, transfer_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIZES = [pytest.param(1366, 900, id="laptop"), pytest.param(390, 844, id="phone")]


def inside_screen(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_learners_first_walk(live_server, platform, new_page, steps, width, height):
    base = live_server.url
    page = new_page(width=width, height=height)
    phone = width < 600

    # --- the dashboard: an empty cross card says what to do first; the menu tells the API pages apart ---
    sign_up(page, base, f"lea{width}")
    steps(page, "dashboard")
    expect(page.locator(".account-cross [data-first-step=transfer]")).to_contain_text("transfer USDT in")
    expect(page.locator("nav")).to_contain_text("App API tokens")
    expect(page.locator("nav")).to_contain_text("Binance API keys")
    assert page.locator("link[rel=icon]").get_attribute("href") == "/favicon.ico"
    assert page.request.get(f"{base}/favicon.ico").status == 200
    page.click(".menu summary")
    expect(page.locator(".menu-body")).to_be_visible()
    inside_screen(page, ".menu-body")  # not off the left edge on a phone
    steps(page, "menu")
    page.click(".menu summary")

    # --- the cross account: first step, then the transfer ---
    page.click(".account-cross")
    expect(page.locator("#account-live .first-step")).to_contain_text("First step: move USDT in")
    level_layout = "document.getElementById('level-chart').layout"
    page.wait_for_function(f"{level_layout} !== undefined", timeout=LIVE)
    assert page.evaluate(f"{level_layout}.xaxis.visible") is False  # no debt: no invented year-2000 axis
    transfer_in(page, "1000")
    account_url = page.url
    steps(page, "funded")

    # --- the ticket: the Trade jump on a phone, the max for the chosen side effect ---
    if phone:
        page.click("#trade-jump")
        expect(page.locator("#ticket")).to_be_in_viewport()
    else:
        expect(page.locator("#trade-jump")).to_be_hidden()
    page.check("[name=ticket-mode][value=cross]")
    page.select_option("#id_ticket-symbol", "ETHUSDT")
    expect(page.locator("#max-ticket")).to_contain_text("ETH", timeout=LIVE)  # the hint followed the pair
    expect(page.locator("#max-ticket")).to_contain_text("Max buy")
    plain_max = page.locator("#max-ticket .fill-max").get_attribute("data-value")
    page.select_option("#id_ticket-side_effect", "MARGIN_BUY")
    expect(page.locator("#max-ticket .fill-max")).not_to_have_attribute("data-value", plain_max, timeout=LIVE)
    margin_max = page.locator("#max-ticket .fill-max").get_attribute("data-value")
    assert float(margin_max) > float(plain_max) > 0  # borrowing lets it buy more
    steps(page, "ticket-max")

    # --- a refusal in words, beside the field; the form's address opened again goes back to the account ---
    page.fill("#id_ticket-quantity", "0.00001")
    page.click("#ticket button[type=submit]")
    box = page.locator("[data-field=ticket-quantity] .errorlist")
    expect(box).to_contain_text("Quantities of ETH move in steps of 0.0001; the smallest is 0.0001 ETH.")
    assert "Filter failure" not in page.content()
    steps(page, "ticket-error")
    assert page.url.endswith("/order")
    page.goto(page.url)
    expect(page).to_have_url(account_url)

    # --- the max, one click, accepted ---
    page.check("[name=ticket-mode][value=cross]")
    page.select_option("#id_ticket-symbol", "ETHUSDT")
    expect(page.locator("#max-ticket")).to_contain_text("ETH", timeout=LIVE)
    page.select_option("#id_ticket-side_effect", "MARGIN_BUY")
    expect(page.locator("#max-ticket .fill-max")).to_have_attribute("data-value", margin_max, timeout=LIVE)
    page.click("#max-ticket .fill-max")
    expect(page.locator("#id_ticket-quantity")).to_have_value(margin_max)
    page.click("#ticket button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("BUY MARKET ETHUSDT: FILLED")
    steps(page, "bought")

    # --- amounts at their precision, exact on hover; PnL and liquidation price in sight on a phone ---
    eth_free = page.locator("#account-live .balances tr[data-asset=ETH] td").first
    title = eth_free.locator(".num").get_attribute("title")
    assert re.fullmatch(r"[0-9]+(\.[0-9]+)?", title)
    assert not re.search(r"\.[0-9]{5,}", eth_free.inner_text())  # ETH shows at most its step's 4 places
    # Free, locked, borrowed and net of every asset (not the interest, which is tiny by nature).
    shown = page.evaluate(
        "[...document.querySelectorAll('#account-live .balances tbody tr')].flatMap(r =>"
        " [...r.querySelectorAll('td')].filter((td, i) => i !== 3).map(td => td.innerText))"
    )
    assert shown and not any(re.search(r"\.[0-9]{5,}", text) for text in shown), shown
    inside_screen(page, ".positions td.pnl")
    inside_screen(page, ".positions td.liq")

    # --- the margin-level chart: one point is ten minutes wide in minutes; the two lines' labels apart ---
    page.wait_for_function(f"{level_layout}.xaxis.visible !== false", timeout=LIVE)
    span = page.evaluate(f"new Date({level_layout}.xaxis.range[1]) - new Date({level_layout}.xaxis.range[0])")
    assert span >= 10 * 60 * 1000 - 1000
    assert page.evaluate(f"{level_layout}.xaxis.tickformat") == "%H:%M"
    anchors = page.evaluate(
        f"{level_layout}.annotations.filter(a => a.text).map(a => [a.text.split(' ')[0], a.yanchor])"
    )
    assert ["liquidation", "top"] in anchors and ["margin", "bottom"] in anchors
    steps(page, "chart")

    # --- reset: the confirmation says where the money goes, and the message how much ---
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#reset button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("USDT went back to your spot wallet")
    assert "goes back to your spot wallet" in asked[0]
    steps(page, "reset")


def test_the_admins_risk_profile_form_fits_a_laptop(live_server, new_page, charlie, steps):
    from tests.helpers import PASSWORD
    from trading.models import RiskProfile

    charlie.is_superuser = True
    charlie.save()
    staff = new_page(width=1366, height=900)
    staff.goto(f"{live_server.url}/admin/login/")
    staff.fill("#id_username", "charlie")
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    staff.goto(f"{live_server.url}/admin/trading/riskprofile/{RiskProfile.objects.first().pk}/change/")
    steps(staff, "risk-profile")

    assert staff.evaluate("document.documentElement.scrollWidth") <= 1366
