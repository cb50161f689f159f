"""A small grid bot, written for Binance with python-binance, run unchanged against MarginLab.

The bot keeps buy orders on a grid below the price and sell orders above it on the cross margin account;
whenever one fills it places the opposite order one grid step away, as grid bots do. Prices move 30
times through the platform's one price-moving service (``risk.staff.price_set_now``: the matcher and the
risk checks run), and after every move three views of the same money must agree: what the bot reads
through the Binance API, what ``/api/v1`` shows, and the ledger (``check_ledger``).
"""

import random
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from risk.staff import price_set_now
from tests.binance.clients import marginlab_python_binance
from tests.helpers import assert_ledger_clean, cross
from trading.models import Order, Trade

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SYMBOL = "ETHUSDT"
STEP = Decimal("25")
SIZE = "0.02"
CENTRE = Decimal("3500")
MOVES = 30


class GridBot:
    """What a grid bot does on Binance, through python-binance's margin calls only."""

    def __init__(self, client):
        self.client = client
        self.orders: dict[int, tuple[str, Decimal]] = {}  # order id -> (side, price)
        self.filled = 0

    def place(self, side: str, price: Decimal) -> None:
        placed = self.client.create_margin_order(
            symbol=SYMBOL, side=side, type="LIMIT", timeInForce="GTC", quantity=SIZE, price=f"{price:f}"
        )
        assert placed["status"] == "NEW", placed
        self.orders[placed["orderId"]] = (side, price)

    def start(self) -> None:
        self.client.transfer_spot_to_margin(asset="USDT", amount="2000")
        # Inventory for the sell side of the grid, bought at market.
        bought = self.client.create_margin_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.1")
        assert bought["status"] == "FILLED"
        for level in range(1, 5):
            self.place("BUY", CENTRE - level * STEP)
            self.place("SELL", CENTRE + level * STEP)

    def react(self) -> None:
        """Every order that is no longer open has filled; replace it by the opposite one a step away."""
        open_ids = {o["orderId"] for o in self.client.get_open_margin_orders(symbol=SYMBOL)}
        for order_id, (side, price) in sorted(self.orders.items()):
            if order_id in open_ids:
                continue
            status = self.client.get_margin_order(symbol=SYMBOL, orderId=order_id)["status"]
            assert status == "FILLED", (order_id, status)
            del self.orders[order_id]
            self.filled += 1
            if side == "BUY":
                self.place("SELL", price + STEP)
            else:
                self.place("BUY", price - STEP)


def binance_balances(client) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
    assets = client.get_margin_account()["userAssets"]
    return {
        a["asset"]: (Decimal(a["free"]), Decimal(a["locked"]), Decimal(a["borrowed"]), Decimal(a["interest"]))
        for a in assets
        if a["asset"] in ("ETH", "USDT")
    }


def api_balances(api: APIClient, account_id: int) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
    response = api.get(f"/api/v1/accounts/{account_id}")
    assert response.status_code == 200, response.content
    return {
        b["asset"]: (Decimal(b["free"]), Decimal(b["locked"]), Decimal(b["borrowed"]), Decimal(b["interest"]))
        for b in response.json()["balances"]
        if b["asset"] in ("ETH", "USDT")
    }


def test_a_grid_bot_over_30_price_moves_agrees_with_the_api_and_the_ledger(live_server, bob, bob_keys, set_prices):
    set_prices(ETHUSDT=f"{CENTRE:f}")
    client = marginlab_python_binance(live_server.url, bob_keys)
    api = APIClient()
    api.force_authenticate(bob)
    account = cross(bob)
    bot = GridBot(client)
    try:
        bot.start()
        rng = random.Random(20261201)
        price = CENTRE + STEP / 2  # between two grid lines: each move crosses lines, never lands on one
        for _ in range(MOVES):
            price += rng.choice((-1, 1)) * rng.choice((1, 2)) * STEP
            price = min(max(price, CENTRE - 5 * STEP + STEP / 2), CENTRE + 5 * STEP - STEP / 2)
            price_set_now(symbol=SYMBOL, price=price)
            bot.react()
            assert binance_balances(client) == api_balances(api, account.pk)
            assert_ledger_clean()
    finally:
        client.close_connection()

    # The grid traded both ways, and each order the bot believes open is open on the platform.
    assert bot.filled >= 10
    sides = set(Trade.objects.filter(account=account, order__type=Order.Type.LIMIT).values_list("side", flat=True))
    assert sides == {"BUY", "SELL"}
    still_open = set(Order.objects.filter(account=account, status=Order.Status.NEW).values_list("pk", flat=True))
    assert still_open == set(bot.orders)
