"""The futures orders benchmark on a few orders, so that the command cannot rot (its figures are the report's)."""

from django.core.management import call_command

from futures.models import FuturesTrade
from trading.models import FillModel, PlatformSettings


def test_the_benchmark_places_under_both_models_and_prints_their_ratio(fx, capsys):
    call_command("futures_orders_benchmark", "--orders=4", "--inner")
    out = capsys.readouterr().out
    assert "futures MARKET orders, FIXED slippage fills" in out and "a book fill costs" in out
    assert "one futures fill plan: FIXED" in out
    assert PlatformSettings.objects.get(pk=1).fill_model == FillModel.BOOK
    assert FuturesTrade.objects.count() >= 8 + 4  # the warm-up's, FIXED's and BOOK's fills
