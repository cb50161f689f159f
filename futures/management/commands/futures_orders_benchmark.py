"""Benchmark of futures MARKET orders under each fill model, FIXED slippage and the order BOOK, on PostgreSQL.

    python manage.py futures_orders_benchmark [--orders 1000] [--keep]

In a database of its own (``<your database>_futures_orders_benchmark``), or inside ``orders_benchmark``'s
(which calls it with ``--inner``: trading's command may not import the futures floor). Through the same
service the API calls (``futures_order_place``), 20 traders buy 0.05 ETH and sell it back; it prints orders
per second under FIXED and under BOOK, and the fill model alone in process (``taker_fills``, no database),
each with the BOOK/FIXED cost ratio (issue 16's target: a book fill costs at most 1.2x a fixed one).
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand

from trading.management.benchdb import run_in_bench_database

SYMBOL, QUANTITY = "ETHUSDT", "0.05"


class Command(BaseCommand):
    help = "Benchmark futures MARKET orders: FIXED slippage against the order BOOK, end to end and in process."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1000, help="orders to place and time under each model")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, orders, keep, inner, **options):
        if not inner:
            run_in_bench_database(["futures_orders_benchmark", f"--orders={orders}"], keep=keep, reuse=False)
            return
        self._inner(orders=orders)

    def _inner(self, *, orders: int) -> None:
        from futures.services.orders import futures_order_place
        from futures.services.wallet import TO_FUTURES, futures_transfer_create
        from trading.models import Account, AccountKind, FillModel, MarkPrice, PlatformSettings
        from trading.services.accounts import paper_funds_credit, user_signup
        from trading.services.markets import mark_price_set, platform_bootstrap

        call_command("migrate", verbosity=0)
        platform_bootstrap()
        PlatformSettings.objects.update(slippage_bps=Decimal(5))
        if not MarkPrice.objects.filter(pair__symbol=SYMBOL).exists():
            mark_price_set(symbol=SYMBOL, price=Decimal("3000.00"))
        users = []
        for n in range(20):
            user = user_signup(username=f"fbench-trader-{n}", password="bench-password-not-secret-42")
            spot = Account.objects.get(user=user, kind=AccountKind.SPOT)
            paper_funds_credit(account_id=spot.pk, asset="USDT", amount="1000000")
            futures_transfer_create(user=user, type=TO_FUTURES, amount="1000000")
            users.append(user)

        def place_market(i: int) -> None:
            user = users[(i // 2) % len(users)]  # each trader buys, then sells it back
            side = "BUY" if i % 2 == 0 else "SELL"
            futures_order_place(user=user, symbol=SYMBOL, side=side, type="MARKET", quantity=QUANTITY)

        def with_model(model) -> None:
            PlatformSettings.objects.update(fill_model=model)

        with_model(FillModel.FIXED)
        self._rate(place_market, min(orders, 200))  # warm up: caches, connections, the book's lru_cache
        fixed_rate = self._rate(place_market, orders)
        with_model(FillModel.BOOK)
        book_rate = self._rate(place_market, orders)
        self.stdout.write("")
        self.stdout.write(f"futures MARKET orders, FIXED slippage fills {fixed_rate:8.1f} orders/s")
        self.stdout.write(
            f"futures MARKET orders, BOOK fills           {book_rate:8.1f} orders/s "
            f"(a book fill costs {fixed_rate / book_rate:.2f}x a fixed one; target <= 1.2x)"
        )
        self._plan_costs()

    def _plan_costs(self) -> None:
        """The fill model alone (``taker_fills``, no database): what a book walk adds to a futures fill."""
        from dataclasses import replace

        from futures import selectors
        from futures.services.orders.book import FillContext, taker_fills
        from trading import book
        from trading import selectors as trading_selectors
        from trading.models import FillModel

        settings = trading_selectors.platform_settings_get()
        info = selectors.symbol_get(market=selectors.market_get(), symbol=SYMBOL)
        quantity, count = Decimal(QUANTITY), 20_000

        def per_plan(model, infos: list[selectors.SymbolInfo]) -> float:
            settings.fill_model = model
            ctx = FillContext(settings=settings)
            started = time.perf_counter()
            for one in infos:
                taker_fills(ctx, one, is_buy=True, quantity=quantity)
            return (time.perf_counter() - started) / len(infos) * 1e6

        same = [info] * count
        fixed = per_plan(FillModel.FIXED, same)
        cached = per_plan(FillModel.BOOK, same)
        book.book_side.cache_clear()
        moving = [replace(info, index_price=info.index + Decimal(i) / 100) for i in range(count)]
        fresh = per_plan(FillModel.BOOK, moving)
        self.stdout.write(
            f"one futures fill plan: FIXED {fixed:.1f} us, BOOK {cached:.1f} us (same mark: {cached / fixed:.2f}x), "
            f"{fresh:.1f} us (a new mark each time, the book built anew: {fresh / fixed:.2f}x)"
        )

    def _rate(self, place, count: int) -> float:
        started = time.perf_counter()
        for i in range(count):
            place(i)
        return count / (time.perf_counter() - started)
