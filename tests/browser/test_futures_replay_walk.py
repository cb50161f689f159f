"""From a futures liquidation's notification to its explained replay, in a real browser: the notification's
"Why? Replay it" leads to the replay page, which shows the rule that fired and what would have saved it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from futures.models import FuturesSymbol
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.helpers import PASSWORD
from trading.models import FillModel, PlatformSettings
from trading.services.accounts import user_signup
from trading.services.markets import mark_price_set

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_from_the_liquidation_notice_to_its_replay(live_server, new_page, steps):
    # Fills at the mark (no book to walk, no fee): the numbers below are checked by hand.
    PlatformSettings.objects.filter(pk=1).update(maker_fee=0, taker_fee=0, slippage_bps=0, fill_model=FillModel.FIXED)
    FuturesSymbol.objects.update(basis_rate=Decimal(0))
    mark_price_set(symbol="BTCUSDT", price=Decimal(100000))
    user = user_signup(username="fay", password=PASSWORD)
    futures_transfer_create(user=user, type=TO_FUTURES, amount="1000")
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    mark_price_set(symbol="BTCUSDT", price=Decimal(90300))  # cross: 30 of margin balance, 36.12 of maintenance
    (liquidation,) = futures_sweep().liquidations

    page = new_page()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "fay")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/notifications/")
    notice = page.locator("li", has_text="Futures cross positions liquidated")
    expect(notice).to_be_visible()
    steps(page, "notification")
    notice.locator("a.replay-link").click()
    expect(page).to_have_url(f"{base}/futures/liquidations/{liquidation.pk}/replay")
    expect(page.locator("h1")).to_contain_text("cross futures account was liquidated")
    expect(page.locator("p.rule")).to_contain_text("30.00000000 USDT fell to the maintenance margin 36.12000000")
    expect(page.locator(".what-ifs li[data-key=margin]")).to_contain_text("6.12000001 USDT more in the cross wallet")
    expect(page.locator("table.timeline tr.point-event")).to_contain_text("liquidation")
    steps(page, "replay")
