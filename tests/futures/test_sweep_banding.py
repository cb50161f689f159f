"""The banding statement (``sweep.wallets_banded``): it values wallets and writes their bands at once."""

from django.utils import timezone

from futures import selectors
from futures.models import FuturesPosition
from futures.services.common import bands_clear
from futures.services.orders import futures_order_place
from futures.services.sweep import band_of, priced, wallets_banded, wallets_valued
from tests.futures.helpers import fund, wallet


def _bands(user):
    return {p.pk: (p.band_low, p.band_high) for p in FuturesPosition.objects.filter(account=wallet(user))}


def test_bands_written_are_the_decimal_bands_and_a_near_wallet_is_never_banded_safe(thousand, bob, set_prices):
    fund(thousand, 1000)
    fund(bob, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    futures_order_place(user=thousand, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="0.1")
    futures_order_place(user=bob, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    set_prices(BTCUSDT=90440)  # bob: 82 % margin ratio, past the 80 % warning line; thousand far from it
    bands_clear()
    market = priced(selectors.market_get())
    accounts = [wallet(thousand).pk, wallet(bob).pk]
    expected = wallets_valued(market=market, account_ids=accounts)
    rows, written = wallets_banded(market=market, account_ids=accounts, read_at=timezone.now())
    assert sorted(rows, key=lambda r: r.position_id) == sorted(expected, key=lambda r: r.position_id)
    assert written == 3
    near = {r.account_id for r in rows if r.near}
    assert near == {wallet(bob).pk}
    symbols = dict(FuturesPosition.objects.values_list("id", "symbol__symbol"))
    for row in rows:
        mark = market[symbols[row.position_id]].mark
        band = FuturesPosition.objects.values_list("band_low", "band_high").get(pk=row.position_id)
        assert band == band_of(mark, safe=row.safe)
        if row.account_id in near:
            assert band == (mark, mark), "a wallet at the line is watched: any move values it again"
    (bob_band,) = _bands(bob).values()
    assert bob_band[0] == bob_band[1]
    assert all(low < high for low, high in _bands(thousand).values())
    # Valued again at the same marks: nothing changes, nothing is written.
    before = _bands(thousand) | _bands(bob)
    assert wallets_banded(market=market, account_ids=accounts, read_at=timezone.now())[1] == 0
    assert _bands(thousand) | _bands(bob) == before


def test_the_banding_statement_skips_a_wallet_written_since_the_read(thousand, set_prices):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    read_at = timezone.now()
    bands_clear(account_id=wallet(thousand).pk)  # a write in flight, after (or just before) the read
    market = priced(selectors.market_get())
    rows, written = wallets_banded(market=market, account_ids=[wallet(thousand).pk], read_at=read_at)
    assert len(rows) == 1 and rows[0].safe and written == 0
    assert list(_bands(thousand).values()) == [(None, None)]
