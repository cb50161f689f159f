from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from risk.price_feed import prices_advance
from risk.price_sources import ReplayFileError


class Command(BaseCommand):
    help = "Play the price source (MARGINLAB_PRICE_SOURCE) for some ticks: advance_prices --steps 10"

    def add_arguments(self, parser):
        parser.add_argument("--steps", type=int, default=1, help="How many price ticks to play (default 1).")

    def handle(self, *args, steps, **options):
        if steps < 1:
            raise CommandError("--steps must be at least 1.")
        source = settings.MARGINLAB_PRICE_SOURCE
        for number in range(1, steps + 1):
            try:
                moved = prices_advance()
            except (ApplicationError, ImproperlyConfigured, ReplayFileError) as exc:
                raise CommandError(str(exc)) from exc
            if moved:
                prices = ", ".join(f"{pair.symbol} {price}" for pair, price in moved)
                self.stdout.write(f"step {number}: {prices}")
            else:
                self.stdout.write(f"step {number}: no price moved (source: {source})")
