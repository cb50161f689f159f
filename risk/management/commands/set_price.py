from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from risk.staff import price_set_now


class Command(BaseCommand):
    """The staff price lever from a shell: the same service as the admin's and the staff API's.

    It lives in ``risk`` (not ``trading``) because it runs the risk engine on the new price: resting and
    stop orders match and exposed accounts are swept at once, whatever ``MARGINLAB_PRICE_SOURCE`` is.
    """

    help = "Set the mark price of a pair and run the risk engine on it: set_price BTCUSDT 95000.00"

    def add_arguments(self, parser):
        parser.add_argument("symbol")
        parser.add_argument("price")

    def handle(self, *args, symbol, price, **options):
        try:
            move = price_set_now(symbol=symbol, price=price)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        tick, sweep = move.tick, move.sweep
        self.stdout.write(
            f"{move.mark.pair.symbol} mark price is now {move.mark.price}: "
            f"{tick.triggered} stop orders triggered, {tick.filled} orders filled, "
            f"{sweep.margin_calls} margin calls, {sweep.liquidations} liquidations"
        )
