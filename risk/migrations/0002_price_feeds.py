"""A price feed for every listed pair, and the price sources' counters.

Volatility is the standard deviation of the log return per price tick (a tick every few seconds).
Real markets move far less per few seconds; these are demo values, so that margin calls happen while
someone watches, ordered as the markets are: BTC calmest, DOGE wildest.
"""

from decimal import Decimal as D

from django.db import migrations

VOLATILITY = {
    "BTCUSDT": "0.001",
    "ETHUSDT": "0.0015",
    "BNBUSDT": "0.0015",
    "BCHUSDT": "0.002",
    "SOLUSDT": "0.0025",
    "XRPUSDT": "0.0025",
    "ADAUSDT": "0.0025",
    "DOGEUSDT": "0.003",
}
DEFAULT_VOLATILITY = "0.002"
SOURCES = ["simulated", "replay", "manual"]


def load(apps, schema_editor):
    Pair = apps.get_model("trading", "Pair")
    PriceFeed = apps.get_model("risk", "PriceFeed")
    PriceSourceState = apps.get_model("risk", "PriceSourceState")
    for pair in Pair.objects.all():
        PriceFeed.objects.get_or_create(
            pair=pair, defaults={"volatility": D(VOLATILITY.get(pair.symbol, DEFAULT_VOLATILITY))}
        )
    for name in SOURCES:
        PriceSourceState.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("trading", "0002_default_listing"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
