"""Price history retention: old 1-minute candles go, 1-hour candles stay (trading.services.markets)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from trading.models import Pair, PriceCandle

NOW = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def candle(pair: Pair, interval: str, open_time: datetime) -> PriceCandle:
    price = D("95000.00")
    return PriceCandle.objects.create(
        pair=pair, interval=interval, open_time=open_time, open=price, high=price, low=price, close=price
    )


def test_price_history_prune_drops_old_minute_candles_and_keeps_hour_ones(platform):
    # Imported here so that a missing service fails this test by name, not the whole collection.
    from trading.services.markets import price_history_prune

    btc = Pair.objects.get(symbol="BTCUSDT")
    long_ago = NOW - timedelta(days=90)  # past any minute retention ("days"), within the hourly year
    old_minute = candle(btc, PriceCandle.Interval.MINUTE, long_ago)
    recent_minute = candle(btc, PriceCandle.Interval.MINUTE, NOW - timedelta(minutes=5))
    old_hour = candle(btc, PriceCandle.Interval.HOUR, long_ago)
    recent_hour = candle(btc, PriceCandle.Interval.HOUR, NOW - timedelta(hours=1))

    deleted = price_history_prune(now=NOW)

    assert set(PriceCandle.objects.values_list("pk", flat=True)) == {recent_minute.pk, old_hour.pk, recent_hour.pk}
    assert not PriceCandle.objects.filter(pk=old_minute.pk).exists()
    assert deleted == 1
