"""The simulated order book and its walk: pure functions, exact Decimals (``trading.book``)."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.book import BookParams, Level, book_build, book_side, depth, walk

ETH = {"tick": D("0.01"), "step": D("0.0001")}
PARAMS = BookParams(spread_bps=D(2), levels=3, level_spacing_bps=D(10), level_notional=D(10000))


def test_levels_sit_around_the_mark_on_tick_and_step():
    book = book_build(mark=D("2000"), params=PARAMS, **ETH)
    # Half the 2 bps spread each side, then 10 bps further per level; prices rounded away from the mark.
    assert book.asks == (
        Level(D("2000.20"), D("4.9995")),  # 10000 / 2000.20 = 4.99950..., down on the 0.0001 step
        Level(D("2002.20"), D("4.9945")),
        Level(D("2004.20"), D("4.9895")),
    )
    assert book.bids == (
        Level(D("1999.80"), D("5.0005")),
        Level(D("1997.80"), D("5.0055")),
        Level(D("1995.80"), D("5.0105")),
    )


def test_prices_round_against_the_taker_and_levels_never_share_a_price():
    # 1 bp of 3 is far less than a tick: every level is one tick further out.
    tight = BookParams(spread_bps=D("0.01"), levels=3, level_spacing_bps=D(0), level_notional=D(100))
    side = book_side(mark=D("3.00"), params=tight, tick=D("0.01"), step=D("0.1"), is_ask=True)
    assert [lv.price for lv in side] == [D("3.01"), D("3.02"), D("3.03")]
    bids = book_side(mark=D("3.00"), params=tight, tick=D("0.01"), step=D("0.1"), is_ask=False)
    assert [lv.price for lv in bids] == [D("2.99"), D("2.98"), D("2.97")]


def test_bids_stop_above_zero():
    deep = BookParams(spread_bps=D(2), levels=50, level_spacing_bps=D(500), level_notional=D(100))
    bids = book_side(mark=D("1.00"), params=deep, tick=D("0.01"), step=D("1"), is_ask=False)
    assert bids and all(lv.price > 0 for lv in bids)
    assert len(bids) < 50


def test_the_same_inputs_give_the_same_book_and_noise_changes_with_the_bucket():
    noisy = BookParams(spread_bps=D(2), levels=5, level_spacing_bps=D(2), level_notional=D(10000), noise=D("0.5"))
    one = book_build(mark=D("2000"), params=noisy, bucket=7, key="ETHUSDT", **ETH)
    assert one == book_build(mark=D("2000"), params=noisy, bucket=7, key="ETHUSDT", **ETH)
    assert one != book_build(mark=D("2000"), params=noisy, bucket=8, key="ETHUSDT", **ETH)
    assert one != book_build(mark=D("2000"), params=noisy, bucket=7, key="BTCUSDT", **ETH)
    # Each size within +/- 50 % of 10000 USDT's worth.
    for level in one.asks + one.bids:
        assert D(5000) <= level.price * level.quantity <= D(15000) + level.price * ETH["step"]
    assert noisy.bucket(125.0) == 2 and PARAMS.bucket(125.0) == 0  # no noise: one bucket forever


def test_walk_fills_level_by_level():
    asks = book_build(mark=D("2000"), params=PARAMS, **ETH).asks
    walked = walk(asks, is_buy=True, step=ETH["step"], quantity=D("6"))
    assert walked.fills == (Level(D("2000.20"), D("4.9995")), Level(D("2002.20"), D("1.0005")))
    assert walked.quantity == D("6")
    assert walked.notional == D("4.9995") * D("2000.20") + D("1.0005") * D("2002.20")
    assert walked.unfilled == 0 and walked.complete
    assert walked.average == walked.notional / D(6)


def test_walk_beyond_the_depth_fills_partly():
    asks = book_build(mark=D("2000"), params=PARAMS, **ETH).asks
    walked = walk(asks, is_buy=True, step=ETH["step"], quantity=D("20"))
    assert walked.quantity == depth(asks) == D("4.9995") + D("4.9945") + D("4.9895")
    assert walked.unfilled == D(20) - walked.quantity
    assert not walked.complete


def test_walk_stops_at_the_limit():
    bids = book_build(mark=D("2000"), params=PARAMS, **ETH).bids
    walked = walk(bids, is_buy=False, step=ETH["step"], quantity=D("8"), limit=D("1997.80"))
    assert walked.fills == (Level(D("1999.80"), D("5.0005")), Level(D("1997.80"), D("2.9995")))
    assert walk(bids, is_buy=False, step=ETH["step"], quantity=D("8"), limit=D("1999.81")).quantity == 0
    assert depth(bids, limit=D("1997.80"), is_buy=False) == D("5.0005") + D("5.0055")


def test_a_quote_walk_never_spends_more_than_its_quote():
    asks = book_build(mark=D("2000"), params=PARAMS, **ETH).asks
    walked = walk(asks, is_buy=True, step=ETH["step"], quote=D("15000"))
    # 10000.00 at the first level buys 4.9995 (cost 9999.9999, rounded up to 8 places: 9999.99990000).
    assert walked.fills[0] == Level(D("2000.20"), D("4.9995"))
    # 15000 - 9999.9999 = 5000.0001 buys 2.4972 at 2002.20 (5000.03... would be one step more).
    assert walked.fills[1] == Level(D("2002.20"), D("2.4972"))
    assert walked.complete and walked.unfilled < ETH["step"] * D("2002.20")
    spent = sum(lv.price * lv.quantity for lv in walked.fills)
    assert spent <= D("15000")


def test_a_forced_close_sweeps_beyond_the_depth_at_the_last_price():
    bids = book_build(mark=D("2000"), params=PARAMS, **ETH).bids
    walked = walk(bids, is_buy=False, step=ETH["step"], quantity=D("20"), sweep=True)
    assert walked.quantity == D("20") and walked.complete
    assert walked.fills[-1] == Level(D("1995.80"), D("20") - D("5.0005") - D("5.0055"))


def test_walk_needs_one_amount():
    with pytest.raises(ValueError):
        walk((), is_buy=True, step=D(1))
    with pytest.raises(ValueError):
        walk((), is_buy=True, step=D(1), quantity=D(1), quote=D(1))


# --- properties ---------------------------------------------------------------------------------------

books = st.builds(
    BookParams,
    spread_bps=st.decimals(min_value=D("0.01"), max_value=D(200), places=2),
    levels=st.integers(min_value=1, max_value=40),
    level_spacing_bps=st.decimals(min_value=D(0), max_value=D(100), places=2),
    level_notional=st.decimals(min_value=D(1), max_value=D(100000), places=2),
    noise=st.decimals(min_value=D(0), max_value=D("0.9"), places=2),
)
marks = st.decimals(min_value=D("0.5"), max_value=D(100000), places=2)
sizes = st.decimals(min_value=D("0.0001"), max_value=D(5000), places=4)


@settings(max_examples=150, deadline=None)
@given(params=books, mark=marks, small=sizes, extra=sizes, is_buy=st.booleans())
def test_average_price_is_monotone_in_size(params, mark, small, extra, is_buy):
    side = book_side(mark=mark, params=params, is_ask=is_buy, **ETH)
    a = walk(side, is_buy=is_buy, step=ETH["step"], quantity=small)
    b = walk(side, is_buy=is_buy, step=ETH["step"], quantity=small + extra)
    if a.average is None:
        return
    assert b.average is not None
    # A buy pays more on average the more it buys; a sell gets less; both are worse than the mark.
    assert (b.average >= a.average) if is_buy else (b.average <= a.average)
    assert (a.average > mark) if is_buy else (a.average < mark)


@settings(max_examples=150, deadline=None)
@given(params=books, mark=marks, size=sizes, is_buy=st.booleans(), use_quote=st.booleans())
def test_a_book_never_fills_more_than_its_depth(params, mark, size, is_buy, use_quote):
    side = book_side(mark=mark, params=params, is_ask=is_buy, **ETH)
    amount = {"quote": size * mark} if use_quote else {"quantity": size}
    walked = walk(side, is_buy=is_buy, step=ETH["step"], **amount)
    assert walked.quantity <= depth(side)
    assert walked.quantity == sum(lv.quantity for lv in walked.fills)
    by_price = {lv.price: lv.quantity for lv in side}
    for fill in walked.fills:
        assert 0 < fill.quantity <= by_price[fill.price]
        assert fill.quantity % ETH["step"] == 0 and fill.price % ETH["tick"] == 0
    if use_quote and is_buy:
        assert walked.notional <= size * mark
    if not use_quote:
        assert walked.quantity + walked.unfilled == size
        assert walked.complete == (walked.unfilled == 0)
