from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from trading.services.markets import mark_price_set


class Command(BaseCommand):
    help = "Set the mark price of a pair: set_price BTCUSDT 95000.00"

    def add_arguments(self, parser):
        parser.add_argument("symbol")
        parser.add_argument("price")

    def handle(self, *args, symbol, price, **options):
        try:
            mark = mark_price_set(symbol=symbol, price=price)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{mark.pair.symbol} mark price is now {mark.price}")
