"""Benchmark of order placement and matching on PostgreSQL.

    python manage.py orders_benchmark [--orders 2000] [--resting 10000] [--keep]

In a database of its own (``<your database>_orders_benchmark``), through the same services the API calls, it
prints orders per second for MARKET orders (filled at once, with MARGIN_BUY borrowing) under each fill
model, FIXED slippage and the order BOOK (issue 16's target: a book fill costs at most 1.2x a fixed one),
and for resting LIMIT orders (funds locked), and the time the matcher takes to fill --resting resting
orders (spread over 100 users) against one price move under the BOOK model (issue 15's target: 10,000
in at most 2 s). Then the same for futures MARKET orders (``futures_orders_benchmark``, in this database).
"""

from __future__ import annotations

import argparse
import cProfile
import time
from decimal import Decimal

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand

from trading.management.benchdb import run_in_bench_database


class Command(BaseCommand):
    help = "Benchmark order placement (market, resting limit) and matching on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="orders of each kind to place and time")
        parser.add_argument("--resting", type=int, default=10_000, help="resting orders matched by one price move")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--profile", default="", help="write a cProfile of the match to this file")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, orders, resting, keep, profile, inner, **options):
        if not inner:
            command = ["orders_benchmark", f"--orders={orders}", f"--resting={resting}"]
            run_in_bench_database(command + ([f"--profile={profile}"] if profile else []), keep=keep, reuse=False)
            return
        self._inner(orders=orders, resting=resting, profile=profile)

    def _inner(self, *, orders: int, resting: int, profile: str) -> None:
        from trading.models import Account, AccountKind, FillModel, Order, Pair, PlatformSettings
        from trading.services.accounts import paper_funds_credit, user_signup
        from trading.services.markets import mark_price_set, platform_bootstrap
        from trading.services.matching import orders_match
        from trading.services.orders import order_place
        from trading.services.transfers import transfer_create

        call_command("migrate", verbosity=0)
        platform_bootstrap()
        PlatformSettings.objects.update(slippage_bps=Decimal(5))
        mark_price_set(symbol="ETHUSDT", price=Decimal("3000.00"))
        pair = Pair.objects.get(symbol="ETHUSDT")

        users = []
        for n in range(100):
            user = user_signup(username=f"bench-trader-{n}", password="bench-password-not-secret-42")
            spot = Account.objects.get(user=user, kind=AccountKind.SPOT)
            cross = Account.objects.get(user=user, kind=AccountKind.CROSS)
            paper_funds_credit(account_id=spot.pk, asset="USDT", amount="1000000")
            transfer_create(user=user, from_account_id=spot.pk, to_account_id=cross.pk, asset="USDT", amount="1000000")
            users.append((user, cross))
        self.stdout.write(f"100 traders funded; placing {orders:,} orders of each kind")

        def place_market(i):
            user, cross = users[(i // 2) % len(users)]  # each trader buys, then sells it back
            side = "BUY" if i % 2 == 0 else "SELL"
            effect = "MARGIN_BUY" if side == "BUY" else "AUTO_REPAY"
            quantity = "0.01" if side == "BUY" else "0.009"  # what the buy left after its fee, and then some
            order_place(
                user=user, account_id=cross.pk, symbol="ETHUSDT", side=side, quantity=quantity, side_effect=effect
            )

        def place_limit(i):
            user, cross = users[i % len(users)]
            price = Decimal("2900.00") - Decimal(i % 50)
            order_place(
                user=user,
                account_id=cross.pk,
                symbol="ETHUSDT",
                side="BUY",
                type="LIMIT",
                quantity="0.01",
                price=str(price),
            )

        def with_model(model):
            PlatformSettings.objects.update(fill_model=model)
            return model

        with_model(FillModel.FIXED)
        self._rate(place_market, min(orders, 200))  # warm up: caches, connections, the book's lru_cache
        fixed_rate = self._rate(place_market, orders)
        with_model(FillModel.BOOK)
        book_rate = self._rate(place_market, orders)
        limit_rate = self._rate(place_limit, orders)

        extra = max(0, resting - Order.objects.filter(status="NEW").count())
        self._seed_resting(users, pair, extra)
        open_orders = Order.objects.filter(status="NEW").count()
        mark_price_set(symbol="ETHUSDT", price=Decimal("2800.00"))
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = orders_match(pair=pair, price=Decimal("2800.00"))
        matched = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)

        self.stdout.write("")
        if orders:  # --orders 0: the matcher alone, no placement rates to show
            self.stdout.write(f"MARKET orders, FIXED slippage fills       {fixed_rate:8.1f} orders/s")
            self.stdout.write(
                f"MARKET orders, BOOK fills                 {book_rate:8.1f} orders/s "
                f"(a book fill costs {fixed_rate / book_rate:.2f}x a fixed one; target <= 1.2x)"
            )
            self.stdout.write(f"resting LIMIT orders (funds locked)       {limit_rate:8.1f} orders/s")
        self._plan_costs(pair)
        self.stdout.write(
            f"matching {open_orders:,} resting orders on one price move: {matched:.2f} s "
            f"({result.filled:,} filled, {result.failed} failed, {result.filled / matched:.0f} fills/s; "
            f"target <= 2 s for 10,000)"
        )
        again = orders_match(pair=pair, price=Decimal("2800.00"))
        self.stdout.write(f"the same move once more: {again.filled} filled (must be 0)")
        call_command("check_ledger", stdout=self.stdout, stderr=self.stderr)
        if apps.is_installed("futures") and orders:
            # The futures half sits in the futures app (trading may not import the floor above it); by its
            # command's name, in this same benchmark database.
            call_command("futures_orders_benchmark", f"--orders={orders}", "--inner")

    def _plan_costs(self, pair) -> None:
        """The fill model alone (``fills.taker_plan``, no database): what a book walk adds to a fill."""
        from django.utils import timezone

        from trading import book, selectors
        from trading.models import FillModel
        from trading.services.fills import Operation, taker_plan

        settings = selectors.platform_settings_get()
        op = Operation(None, settings, {}, timezone.now())  # type: ignore[arg-type]  # no account: no lock
        quantity, count = Decimal("0.01"), 20_000

        def per_plan(model, marks) -> float:
            settings.fill_model = model
            started = time.perf_counter()
            for i in range(count):
                taker_plan(op, pair=pair, is_buy=True, mark=marks(i), quantity=quantity, fee_rate=settings.taker_fee)
            return (time.perf_counter() - started) / count * 1e6

        same = Decimal("2800.00")
        fixed = per_plan(FillModel.FIXED, lambda i: same)
        cached = per_plan(FillModel.BOOK, lambda i: same)
        book.book_side.cache_clear()
        fresh = per_plan(FillModel.BOOK, lambda i: same + Decimal(i) / 100)
        self.stdout.write(
            f"one fill plan: FIXED {fixed:.1f} us, BOOK {cached:.1f} us (same mark: {cached / fixed:.2f}x), "
            f"{fresh:.1f} us (a new mark each time, the book built anew: {fresh / fixed:.2f}x)"
        )

    def _rate(self, place, count: int) -> float:
        started = time.perf_counter()
        for i in range(count):
            place(i)
        return count / (time.perf_counter() - started) if count else float("nan")

    def _seed_resting(self, users, pair, count: int) -> None:
        """The resting book beyond the timed placements, written in bulk (placing 10,000 one by one takes
        minutes): per trader one LOCK entry and the same orders ``order_place`` leaves for a resting LIMIT
        buy (its quote locked, nothing borrowed), so the ledger stays balanced and the matcher sees no difference.
        """
        from django.db import transaction

        from trading import margin
        from trading.models import Bucket, JournalEntry, Order
        from trading.services.ledger import LockedAccount, Posting, accounts_lock, ledger_post
        from trading.services.orders.placement import clean_client_order_id

        per_trader: dict[int, list[int]] = {}
        for i in range(count):
            per_trader.setdefault(i % len(users), []).append(i)
        for n, indexes in per_trader.items():
            _, cross = users[n]
            with transaction.atomic():
                account = accounts_lock(cross.pk)[cross.pk]
                locked = LockedAccount(account, [pair.base, pair.quote])
                posting, orders = Posting(), []
                quote = locked.balance(pair.quote)
                for i in indexes:
                    price, quantity = Decimal("2900.00") - Decimal(i % 50), Decimal("0.01")
                    amount = margin.buy_lock(quantity=quantity, price=price)
                    posting.move(quote, quote, amount, dst_bucket=Bucket.LOCKED)
                    orders.append(
                        Order(
                            account=account,
                            pair=pair,
                            side=Order.Side.BUY,
                            type=Order.Type.LIMIT,
                            time_in_force=Order.TimeInForce.GTC,
                            quantity=quantity,
                            price=price,
                            client_order_id=clean_client_order_id(None),
                            locked_amount=amount,
                        )
                    )
                ledger_post(kind=JournalEntry.Kind.LOCK, posting=posting, account=account, memo="benchmark book")
                Order.objects.bulk_create(orders)
        self.stdout.write(f"{count:,} more resting LIMIT buys seeded in bulk")
