"""The default listing, the two risk profiles and the platform settings row.

Filters follow Binance's spot filters for these pairs (PRICE_FILTER tickSize, LOT_SIZE stepSize and
minQty, NOTIONAL minNotional); prices are demo starting points that the price source moves later.
"""

from decimal import Decimal as D

from django.db import migrations
from django.utils import timezone

# code, name, daily interest rate, borrow limit per account, lending pool size
ASSETS = [
    ("USDT", "Tether USD", "0.0002", "5000000", "1000000000"),
    ("BTC", "Bitcoin", "0.00005", "50", "10000"),
    ("ETH", "Ethereum", "0.0001", "1500", "300000"),
    ("BNB", "BNB", "0.0003", "5000", "1000000"),
    ("BCH", "Bitcoin Cash", "0.0002", "5000", "1000000"),
    ("SOL", "Solana", "0.0003", "20000", "5000000"),
    ("XRP", "XRP", "0.0002", "2000000", "500000000"),
    ("ADA", "Cardano", "0.0002", "5000000", "1000000000"),
    ("DOGE", "Dogecoin", "0.0003", "10000000", "5000000000"),
]

# symbol, base, tick size, step size, min qty, min notional, max leverage, price
PAIRS = [
    ("BTCUSDT", "BTC", "0.01", "0.00001", "0.00001", "5", 10, "95000.00"),
    ("ETHUSDT", "ETH", "0.01", "0.0001", "0.0001", "5", 10, "3500.00"),
    ("BNBUSDT", "BNB", "0.01", "0.001", "0.001", "5", 10, "650.00"),
    ("BCHUSDT", "BCH", "0.1", "0.001", "0.001", "5", 5, "450.0"),
    ("SOLUSDT", "SOL", "0.01", "0.001", "0.001", "5", 5, "180.00"),
    ("XRPUSDT", "XRP", "0.0001", "0.1", "0.1", "5", 5, "2.2000"),
    ("ADAUSDT", "ADA", "0.0001", "0.1", "0.1", "5", 5, "0.7500"),
    ("DOGEUSDT", "DOGE", "0.00001", "1", "1", "5", 5, "0.25000"),
]

# kind, leverage, initial, margin call, liquidation
PROFILES = {
    "classic": (
        "Reproduces the seed example: margin call 1.1, liquidation 1.05 for every class.",
        [
            ("cross", 3, "1.5", "1.1", "1.05"),
            ("cross", 5, "1.25", "1.1", "1.05"),
            ("isolated", 3, "1.5", "1.1", "1.05"),
            ("isolated", 5, "1.25", "1.1", "1.05"),
            ("isolated", 10, "1.111", "1.1", "1.05"),
        ],
    ),
    "binance-2025": (
        "Binance's published current margin levels.",
        [
            ("cross", 3, "1.5", "1.3", "1.1"),
            ("cross", 5, "1.25", "1.16", "1.1"),
            ("isolated", 3, "1.5", "1.22", "1.18"),
            ("isolated", 5, "1.25", "1.19", "1.15"),
            ("isolated", 10, "1.111", "1.1", "1.05"),
        ],
    ),
}


def load(apps, schema_editor):
    Asset = apps.get_model("trading", "Asset")
    Pair = apps.get_model("trading", "Pair")
    MarkPrice = apps.get_model("trading", "MarkPrice")
    RiskProfile = apps.get_model("trading", "RiskProfile")
    RiskTier = apps.get_model("trading", "RiskTier")
    PlatformSettings = apps.get_model("trading", "PlatformSettings")

    assets = {}
    for code, name, rate, limit, pool in ASSETS:
        assets[code], _ = Asset.objects.get_or_create(
            code=code,
            defaults={"name": name, "daily_interest_rate": D(rate), "borrow_limit": D(limit), "lending_pool_size": D(pool)},
        )
    now = timezone.now()
    for symbol, base, tick, step, min_qty, notional, leverage, price in PAIRS:
        pair, _ = Pair.objects.get_or_create(
            symbol=symbol,
            defaults={
                "base": assets[base],
                "quote": assets["USDT"],
                "tick_size": D(tick),
                "step_size": D(step),
                "min_qty": D(min_qty),
                "min_notional": D(notional),
                "max_leverage": leverage,
            },
        )
        MarkPrice.objects.get_or_create(pair=pair, defaults={"price": D(price), "updated_at": now})
    for name, (description, tiers) in PROFILES.items():
        profile, _ = RiskProfile.objects.get_or_create(name=name, defaults={"description": description})
        for kind, leverage, initial, call, liquidation in tiers:
            RiskTier.objects.get_or_create(
                profile=profile,
                kind=kind,
                leverage=leverage,
                defaults={"initial": D(initial), "margin_call": D(call), "liquidation": D(liquidation), "transfer_out": D(2)},
            )
    PlatformSettings.objects.get_or_create(pk=1, defaults={"risk_profile": RiskProfile.objects.get(name="classic")})


class Migration(migrations.Migration):
    dependencies = [("trading", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
