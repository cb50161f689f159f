"""Make the README's screenshots (docs/dashboard.png, docs/account.png) of a running MarginLab.

    # a throw-away database, a server without Celery, then this script against it:
    export DATABASE_URL=sqlite:////tmp/marginlab-shots.sqlite3 MARGINLAB_DEMO_PASSWORD=demo-pass-2718
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py bootstrap && .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py runserver 127.0.0.1:8765 --noreload &
    .venv/bin/python docs/screenshots.py --base-url http://127.0.0.1:8765

It works on the server's database (the same DATABASE_URL): four hours of price history before now, then more
trading by the `demo` user through the services (an isolated ETHUSDT account with an OCO, on top of what
seed_demo gave it), then a minute and a half of live price ticks with the risk engine, ending in a BTC dip
that puts the isolated BTCUSDT account into a margin call. Then Chromium (Debian's, /usr/bin/chromium) signs in as
`demo` and photographs the dashboard and that account's page. Do not point it at a database you care about.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("MARGINLAB_SNAPSHOT_INTERVAL", "5")
os.environ.setdefault("MARGINLAB_PRICE_SOURCE", "simulated")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def backfill_prices(hours: int = 4) -> None:
    """A random walk of one-minute marks over the last hours, ending at each pair's mark price now."""
    from django.utils import timezone

    from trading import margin
    from trading.models import MarkPrice
    from trading.services.markets import mark_price_set

    rng = random.Random(7)
    now = timezone.now()
    for mark in MarkPrice.objects.select_related("pair"):
        pair, price, walk = mark.pair, mark.price, []
        for _ in range(hours * 60):
            walk.append(price)
            price = margin.round_down(price / Decimal(repr(1 + rng.gauss(0.0001, 0.0025))), pair.tick_size)
        for minutes, price in zip(range(hours * 60, 0, -1), reversed(walk), strict=True):
            mark_price_set(symbol=pair.symbol, price=price, now=now - timedelta(minutes=minutes))
        mark_price_set(symbol=pair.symbol, price=mark.price, now=now)


def trade_as_demo():
    """On top of what seed_demo gives `demo` (a cross position, an isolated BTCUSDT one, a resting order): an
    isolated ETHUSDT account holding a quarter of the funds (the dashboard's advice), with an OCO on it."""
    from django.contrib.auth import get_user_model

    from trading.models import Account, AccountKind
    from trading.selectors import isolated_account_get_for_user, mark_prices
    from trading.services.accounts import isolated_account_open
    from trading.services.orders import oco_place, order_place
    from trading.services.transfers import transfer_create

    demo = get_user_model().objects.get(username="demo")
    spot = Account.objects.get(user=demo, kind=AccountKind.SPOT)
    btc = isolated_account_get_for_user(user=demo, symbol="BTCUSDT")
    if btc is None:
        btc = isolated_account_open(user=demo, symbol="BTCUSDT", leverage=5)
        transfer_create(user=demo, from_account_id=spot.pk, to_account_id=btc.pk, asset="USDT", amount="500")
        order_place(
            user=demo, account_id=btc.pk, symbol="BTCUSDT", side="BUY", quote_quantity="2000", side_effect="MARGIN_BUY"
        )
    if isolated_account_get_for_user(user=demo, symbol="ETHUSDT") is None:
        eth = isolated_account_open(user=demo, symbol="ETHUSDT", leverage=5)
        transfer_create(user=demo, from_account_id=spot.pk, to_account_id=eth.pk, asset="USDT", amount="2500")
        order_place(
            user=demo, account_id=eth.pk, symbol="ETHUSDT", side="BUY", quantity="1.5", side_effect="MARGIN_BUY"
        )
        eth_price = mark_prices()["ETH"]
        oco_place(
            user=demo,
            account_id=eth.pk,
            symbol="ETHUSDT",
            side="SELL",
            quantity="1",
            price=(eth_price * Decimal("1.08")).quantize(Decimal("0.01")),
            stop_price=(eth_price * Decimal("0.93")).quantize(Decimal("0.01")),
            stop_limit_price=(eth_price * Decimal("0.92")).quantize(Decimal("0.01")),
        )
    return btc


def live_ticks(seconds: int, btc_account) -> None:
    """Real-time price ticks with the risk engine (snapshots every few seconds), then a BTC dip."""
    from risk.services.tick import tick_run
    from risk.staff import price_set_now
    from trading.selectors import account_summary_get

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tick_run()
        time.sleep(2)
    summary = account_summary_get(account=btc_account)
    call = summary.ratios.margin_call
    btc = next(b for b in summary.balances if b.asset.code == "BTC")
    usdt = next(b for b in summary.balances if b.asset.code == "USDT")
    # The price at which the level is 1 % under the margin-call line: assets / debt = 0.99 * call.
    target = (Decimal("0.99") * call * (usdt.borrowed + usdt.interest) - usdt.free) / (btc.free + btc.locked)
    price_set_now(symbol="BTCUSDT", price=target.quantize(Decimal("0.01")))
    for _ in range(6):  # a few more snapshots at the margin call
        time.sleep(2)
        tick_run(moved=[])


def photograph(base_url: str, password: str, btc_account_id: int, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
        page.goto(f"{base_url}/login/")
        page.fill("#id_username", "demo")
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/")
        page.wait_for_timeout(4000)  # the ticker and the notifications come with the first htmx polls
        page.screenshot(path=str(out / "dashboard.png"), full_page=True)
        page.goto(f"{base_url}/accounts/{btc_account_id}/")
        page.wait_for_selector("#level-chart .main-svg")
        page.wait_for_timeout(9000)  # a few live points on the margin-level chart
        page.screenshot(path=str(out / "account.png"), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--seconds", type=int, default=90, help="live ticks before the pictures")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop here
    password = settings.MARGINLAB_DEMO_PASSWORD
    if not password:
        import json

        password = json.loads((Path(settings.VAR_DIR) / "demo-logins.json").read_text())["demo"]
    print("price history ...", flush=True)
    backfill_prices()
    print("demo trades ...", flush=True)
    btc = trade_as_demo()
    print(f"{args.seconds} s of live ticks ...", flush=True)
    live_ticks(args.seconds, btc)
    print("screenshots ...", flush=True)
    photograph(args.base_url.rstrip("/"), password, btc.pk, args.out)
    print(f"wrote {args.out / 'dashboard.png'} and {args.out / 'account.png'}")


if __name__ == "__main__":
    main()
