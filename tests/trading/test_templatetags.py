"""The web UI's number formats: amounts at the asset's precision, prices at the pair's tick, exact on hover."""

import pytest

from trading.templatetags.marginlab import lot, px, qty

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "asset", "shown", "exact"),
    [
        ("1.25000000", "ETH", "1.25", "1.25"),
        ("0.12345678", "ETH", "0.1234", "0.12345678"),  # ETH trades in steps of 0.0001; rounded down
        ("-1584.60815296", "USDT", "-1,584.60", "-1584.60815296"),
        ("370.00000000", "BCH", "370.00", "370"),
        ("0.00000052", "USDT", "0.00", "0.00000052"),
    ],
)
def test_qty_shows_the_assets_precision_and_keeps_the_exact_amount_in_the_title(platform, value, asset, shown, exact):
    assert qty(value, asset) == f'<span class="num" title="{exact}">{shown}</span>'


def test_px_shows_the_pairs_tick_and_lot_its_step(platform):
    assert px("3500.00000000", "ETHUSDT") == '<span class="num" title="3500">3,500.00</span>'
    assert px("370.00000000", "BCHUSDT") == '<span class="num" title="370">370.0</span>'
    assert px("0.25", "DOGEUSDT") == '<span class="num" title="0.25">0.25000</span>'
    assert lot("0.50000000", "BTCUSDT") == '<span class="num" title="0.5">0.50</span>'
    assert qty(None, "ETH") == px(None, "ETHUSDT") == "—"
