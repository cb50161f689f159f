"""The futures math, with exact Decimal expectations (no database)."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from futures import formulas as f

# BTCUSDT's brackets as Binance's liquidation-price FAQ tabulates them (the ones in the data migration).
BTC = [
    f.Bracket(D(0), D(50000), 125, D("0.004"), D(0)),
    f.Bracket(D(50000), D(250000), 100, D("0.005"), D(50)),
    f.Bracket(D(250000), D(1000000), 50, D("0.01"), D(1300)),
    f.Bracket(D(1000000), D(10000000), 20, D("0.025"), D(16300)),
    f.Bracket(D(10000000), D(20000000), 10, D("0.05"), D(266300)),
]


def test_unrealized_pnl_long_and_short():
    assert f.unrealized_pnl(quantity=D("0.5"), entry_price=D(100000), mark_price=D(99000)) == D(-500)
    assert f.unrealized_pnl(quantity=D("-0.5"), entry_price=D(100000), mark_price=D(99000)) == D(500)


def test_roe_is_pnl_over_initial_margin_at_entry():
    # 0.1 BTC at 100,000 with 10x: 1,000 margin; +150 PnL is 15 %.
    assert f.roe(pnl=D(150), quantity=D("0.1"), entry_price=D(100000), leverage=10) == D("0.15")
    assert f.roe(pnl=D(150), quantity=D(0), entry_price=D(0), leverage=10) is None


def test_initial_margin_is_notional_over_leverage():
    assert f.initial_margin(notional_value=D(5000), leverage=20) == D(250)


def test_weighted_entry_and_fills():
    assert f.weighted_entry(quantity=D(1), entry_price=D(100), fill_quantity=D(3), fill_price=D(200)) == D(175)
    # add to a short
    change = f.position_after_fill(quantity=D(-1), entry_price=D(100), fill_quantity=D(-1), fill_price=D(110))
    assert (change.quantity, change.entry_price, change.closed, change.realized_pnl) == (D(-2), D(105), 0, 0)
    # reduce a long: entry unchanged, PnL realized at the fill price
    change = f.position_after_fill(quantity=D(2), entry_price=D(100), fill_quantity=D("-0.5"), fill_price=D(120))
    assert (change.quantity, change.entry_price, change.closed, change.realized_pnl) == (
        D("1.5"),
        D(100),
        D("0.5"),
        D(10),
    )
    # flip a long into a short: the rest opens at the fill price
    change = f.position_after_fill(quantity=D(1), entry_price=D(100), fill_quantity=D(-3), fill_price=D(90))
    assert (change.quantity, change.entry_price, change.closed, change.realized_pnl, change.opened) == (
        D(-2),
        D(90),
        D(1),
        D(-10),
        D(2),
    )
    # close a short exactly
    change = f.position_after_fill(quantity=D(-2), entry_price=D(100), fill_quantity=D(2), fill_price=D(90))
    assert (change.quantity, change.entry_price, change.realized_pnl) == (0, 0, D(20))


def test_bracket_for_and_maintenance_margin():
    assert f.bracket_for(BTC, D(49999.99)).mmr == D("0.004")
    assert f.bracket_for(BTC, D(50000)).mmr == D("0.005")
    assert f.bracket_for(BTC, D(10**9)).mmr == D("0.05")  # beyond the last cap: the last tier
    # The FAQ's example: 264,000 USDT of BTCUSDT is in the 1 % tier; 500,000 has a maintenance amount of 1,300.
    assert f.bracket_for(BTC, D(264000)).mmr == D("0.01")
    assert f.bracket_for(BTC, D(500000)).cum == D(1300)
    assert f.maintenance_margin(notional_value=D(500000), bracket=f.bracket_for(BTC, D(500000))) == D(3700)


def test_cum_follows_the_faqs_formula():
    # "the Maintenance Amount on Level 3 = 250,000 * (1% - 0.5%) + 50 USDT = 1,300 USDT"
    assert f.cum_amount(floor=D(250000), mmr=D("0.01"), previous_mmr=D("0.005"), previous_cum=D(50)) == D(1300)
    for previous, bracket in zip(BTC, BTC[1:], strict=False):
        assert (
            f.cum_amount(floor=bracket.floor, mmr=bracket.mmr, previous_mmr=previous.mmr, previous_cum=previous.cum)
            == bracket.cum
        )


def test_margin_ratio():
    assert f.margin_ratio(maintenance=D(40), margin_balance=D(50)) == D("0.8")
    assert f.margin_ratio(maintenance=D(0), margin_balance=D(50)) == 0
    assert f.margin_ratio(maintenance=D(40), margin_balance=D(-1)) is None


def test_liquidation_checks():
    assert f.isolated_liquidatable(isolated_margin=D(200), pnl=D(-196), maintenance=D(4))
    assert not f.isolated_liquidatable(isolated_margin=D(200), pnl=D(-195), maintenance=D(4))
    assert f.cross_liquidatable(wallet_balance=D(1000), pnl=D(-996), maintenance=D(4))
    assert not f.cross_liquidatable(wallet_balance=D(1000), pnl=D(-500), maintenance=D(4))
    assert not f.cross_liquidatable(wallet_balance=D(0), pnl=D(0), maintenance=D(0))


# Binance's worked example, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts":
# https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93
# A cross wallet of 1,535,443.01 USDT holds two one-way positions:
#   ETHUSDT long 3,683.979 at 1,456.84, tier MMR 10 %, cum 135,365; maintenance 356,512.508
#     (4,918,775.081 x 10 % - 135,365) and uPnL -448,192.89;
#   BTCUSDT long 109.488 at 32,481.98, tier MMR 2.5 %, cum 16,300; maintenance 71,200.81144
#     (3,500,032.458 x 2.5 % - 16,300) and uPnL -56,354.57.
# Liquidation prices (cross): ETHUSDT 1,153.26, BTCUSDT 26,316.89; isolated, with the same wallet as the
# position's isolated wallet and TMM = UPNL = 0: ETHUSDT 1,114.78, BTCUSDT 18,778.73.
WB = D("1535443.01")
EXAMPLE = [
    # (TMM1, UPNL1, cum, position, entry, MMR, cross LP, isolated LP)
    (D("71200.81144"), D("-56354.57"), D(135365), D("3683.979"), D("1456.84"), D("0.10"), "1153.26", "1114.78"),
    (D("356512.508"), D("-448192.89"), D(16300), D("109.488"), D("32481.980"), D("0.025"), "26316.89", "18778.73"),
]


@pytest.mark.parametrize(("tmm", "upnl", "cum", "position", "entry", "mmr", "cross", "isolated"), EXAMPLE)
def test_binance_liquidation_price_example(tmm, upnl, cum, position, entry, mmr, cross, isolated):
    common = {"wallet_balance": WB, "cum": cum, "quantity": position, "entry_price": entry, "mmr": mmr}
    lp = f.liquidation_price(other_maintenance=tmm, other_pnl=upnl, **common)
    assert lp.quantize(D("0.01")) == D(cross)
    lp = f.liquidation_price(other_maintenance=D(0), other_pnl=D(0), **common)
    assert lp.quantize(D("0.01")) == D(isolated)


def test_the_examples_maintenance_margins_come_from_their_brackets():
    eth = f.Bracket(D(2000000), D(5000000), 5, D("0.10"), D(135365))
    btc = f.Bracket(D(1000000), D(10000000), 20, D("0.025"), D(16300))
    assert f.maintenance_margin(notional_value=D("4918775.081"), bracket=eth) == D("356512.5081")
    assert f.maintenance_margin(notional_value=D("3500032.458"), bracket=btc) == D("71200.81145")


def test_liquidation_price_short_isolated_and_none():
    # A short of 1 BTC at 100,000 with 10,000 isolated, MMR 0.4 %: LP = (10000 + 100000) / (1.004) .
    lp = f.liquidation_price(
        wallet_balance=D(10000),
        other_maintenance=0,
        other_pnl=0,
        cum=0,
        quantity=D(-1),
        entry_price=D(100000),
        mmr=D("0.004"),
    )
    assert lp == D(110000) / D("1.004")
    # Over-collateralised long: no positive price liquidates it.
    assert (
        f.liquidation_price(
            wallet_balance=D(200000),
            other_maintenance=0,
            other_pnl=0,
            cum=0,
            quantity=D(1),
            entry_price=D(100000),
            mmr=D("0.004"),
        )
        is None
    )
    assert (
        f.liquidation_price(
            wallet_balance=D(1), other_maintenance=0, other_pnl=0, cum=0, quantity=D(0), entry_price=D(1), mmr=D(0)
        )
        is None
    )


def test_liquidation_price_in_picks_the_tier_at_that_price():
    # 20 BTC long at 100,000 (2,000,000 notional) with 200,000 in an isolated wallet: the 2.5 % tier's
    # answer, (200000 + 16300 - 2000000) / (20 x 0.025 - 20) = 91,471.79..., is 1.83M of notional: the same tier.
    lp = f.liquidation_price_in(
        brackets=BTC,
        wallet_balance=D(200000),
        other_maintenance=0,
        other_pnl=0,
        quantity=D(20),
        entry_price=D(100000),
    )
    assert lp == (D(200000) + D(16300) - D(2000000)) / (D(20) * D("0.025") - D(20))
    assert D(1000000) <= 20 * lp < D(10000000)


def test_funding_rate_clamps_interest_minus_premium():
    assert f.funding_rate(premium=D(0)) == D("0.0001")  # the interest rate alone
    assert f.funding_rate(premium=D("0.0003")) == D("0.0001")  # within the clamp: interest wins
    assert f.funding_rate(premium=D("0.001")) == D("0.0005")  # 0.1 % + clamp(-0.09 %) = 0.1 % - 0.05 %
    assert f.funding_rate(premium=D("-0.001")) == D("-0.0005")
    assert f.premium_index(mark_price=D(100010), index_price=D(100000)) == D("0.0001")


def test_funding_payment_longs_pay_shorts_when_positive():
    assert f.funding_payment(quantity=D("0.5"), mark_price=D(100000), rate=D("0.0001")) == D(5)
    assert f.funding_payment(quantity=D("-0.5"), mark_price=D(100000), rate=D("0.0001")) == D(-5)
    assert f.funding_payment(quantity=D("0.5"), mark_price=D(100000), rate=D("-0.0001")) == D(-5)


def test_funding_times_are_every_8_hours_utc():
    now = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
    assert f.funding_time_before(now) == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert f.next_funding_time(now) == datetime(2026, 3, 1, 16, tzinfo=UTC)
    assert f.next_funding_time(datetime(2026, 3, 1, 16, tzinfo=UTC)) == datetime(2026, 3, 2, 0, tzinfo=UTC)


def test_round_to():
    assert f.round_to(D("1.23456"), D("0.01")) == D("1.23")
    assert f.round_to(D("1.23156"), D("0.01"), up=True) == D("1.24")
    assert f.is_multiple(D("0.003"), D("0.001")) and not f.is_multiple(D("0.0035"), D("0.001"))
