"""The four perpetuals and their leverage brackets.

Filters follow Binance's USDⓈ-M exchangeInfo for these symbols (PRICE_FILTER tickSize, LOT_SIZE stepSize
and minQty, MIN_NOTIONAL notional). The brackets (notional floor and cap, max leverage, maintenance
margin rate, maintenance amount "cum") are the tables of Binance's FAQ "How to Calculate Liquidation
Price of USDⓈ-M Futures Contracts"
(https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93):
the 125x table for BTCUSDT, the 100x table for ETHUSDT and the 75x table for BNBUSDT and SOLUSDT.
Each cum is floor_n x (MMR_n - MMR_n-1) + cum_n-1, as the FAQ defines it (tests check every row).
Binance changes these tables from time to time; staff edit them in the admin.
"""

from decimal import Decimal as D

from django.db import migrations

# (cap, max leverage, MMR, cum); each tier's floor is the previous cap.
BTC_125X = [
    ("50000", 125, "0.004", "0"),
    ("250000", 100, "0.005", "50"),
    ("1000000", 50, "0.01", "1300"),
    ("10000000", 20, "0.025", "16300"),
    ("20000000", 10, "0.05", "266300"),
    ("50000000", 5, "0.10", "1266300"),
    ("100000000", 4, "0.125", "2516300"),
    ("200000000", 3, "0.15", "5016300"),
    ("300000000", 2, "0.25", "25016300"),
    ("500000000", 1, "0.50", "100016300"),
]
ETH_100X = [
    ("10000", 100, "0.005", "0"),
    ("100000", 75, "0.0065", "15"),
    ("500000", 50, "0.01", "365"),
    ("1000000", 25, "0.02", "5365"),
    ("2000000", 10, "0.05", "35365"),
    ("5000000", 5, "0.10", "135365"),
    ("10000000", 4, "0.125", "260365"),
    ("20000000", 3, "0.15", "510365"),
    ("5000000000", 2, "0.25", "2510365"),
]
ALT_75X = [
    ("10000", 75, "0.0065", "0"),
    ("50000", 50, "0.01", "35"),
    ("250000", 25, "0.02", "535"),
    ("1000000", 10, "0.05", "8035"),
    ("2000000", 5, "0.10", "58035"),
    ("5000000", 4, "0.125", "108035"),
    ("10000000", 3, "0.15", "233035"),
    ("5000000000", 2, "0.25", "1233035"),
]

# symbol, tick size, step size, min qty, min notional, basis, brackets
SYMBOLS = [
    ("BTCUSDT", "0.10", "0.001", "0.001", "100", "0.0002", BTC_125X),
    ("ETHUSDT", "0.01", "0.001", "0.001", "20", "0.0002", ETH_100X),
    ("BNBUSDT", "0.010", "0.01", "0.01", "5", "0.0001", ALT_75X),
    ("SOLUSDT", "0.0100", "1", "1", "5", "0.0001", ALT_75X),
]


def add(apps, schema_editor):
    Pair = apps.get_model("trading", "Pair")
    FuturesSymbol = apps.get_model("futures", "FuturesSymbol")
    LeverageBracket = apps.get_model("futures", "LeverageBracket")
    for symbol, tick, step, min_qty, min_notional, basis, brackets in SYMBOLS:
        pair = Pair.objects.filter(symbol=symbol).first()
        if pair is None:
            continue
        perpetual, _ = FuturesSymbol.objects.get_or_create(
            symbol=symbol,
            defaults={
                "pair": pair,
                "tick_size": D(tick),
                "step_size": D(step),
                "min_qty": D(min_qty),
                "min_notional": D(min_notional),
                "basis_rate": D(basis),
            },
        )
        floor = D(0)
        for level, (cap, leverage, mmr, cum) in enumerate(brackets, start=1):
            LeverageBracket.objects.get_or_create(
                symbol=perpetual,
                bracket=level,
                defaults={
                    "notional_floor": floor,
                    "notional_cap": D(cap),
                    "max_leverage": leverage,
                    "maint_margin_ratio": D(mmr),
                    "cum": D(cum),
                },
            )
            floor = D(cap)


class Migration(migrations.Migration):
    dependencies = [("futures", "0001_initial"), ("trading", "0002_default_listing")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
