"""Wallets, margin accounts, assets and pairs in Binance's shapes."""

from __future__ import annotations

from decimal import Decimal

from core.money import Q8
from trading.binance.formats.common import (
    MARGIN_LEVEL_STATUS,
    NO_DEBT_MARGIN_LEVEL,
    ZERO,
    amount,
    in_btc,
)
from trading.models import Asset, Balance, Pair
from trading.selectors import AccountSummary


def margin_pair(pair: Pair, *, isolated: bool) -> dict:
    entry = {
        "base": pair.base.code,
        "isBuyAllowed": pair.is_active,
        "isMarginTrade": pair.margin_enabled,
        "isSellAllowed": pair.is_active,
        "quote": pair.quote.code,
        "symbol": pair.symbol,
    }
    return entry if isolated else {"id": pair.pk, **entry}


def margin_asset(asset: Asset) -> dict:
    return {
        "assetFullName": asset.name or asset.code,
        "assetName": asset.code,
        "isBorrowable": asset.borrowable,
        "isMortgageable": True,
        "userMinBorrow": amount(0),
        "userMinRepay": amount(0),
        "delistTime": None,
    }


def coin(asset: Asset, balance: Balance | None) -> dict:
    """capital/config/getall: paper money cannot be deposited or withdrawn; one "network" gives the precision."""
    return {
        "coin": asset.code,
        "name": asset.name or asset.code,
        "depositAllEnable": False,
        "withdrawAllEnable": False,
        "free": amount(balance.free if balance else 0),
        "locked": amount(balance.locked if balance else 0),
        "freeze": amount(0),
        "withdrawing": amount(0),
        "ipoing": amount(0),
        "ipoable": amount(0),
        "storage": amount(0),
        "isLegalMoney": False,
        "trading": True,
        "networkList": [
            {
                "network": "MARGINLAB",
                "coin": asset.code,
                "name": "MarginLab paper money",
                "withdrawIntegerMultiple": amount(Q8),
                "isDefault": True,
                "depositEnable": False,
                "withdrawEnable": False,
                "depositDesc": "Paper money: it comes from the starting balance.",
                "withdrawDesc": "Paper money cannot leave MarginLab.",
                "specialTips": "",
                "resetAddressStatus": False,
                "addressRegex": "",
                "memoRegex": "",
                "withdrawFee": amount(0),
                "withdrawMin": amount(0),
                "withdrawMax": amount(0),
                "minConfirm": 0,
                "unLockConfirm": 0,
                "sameAddress": False,
                "busy": False,
            }
        ],
    }


def user_asset(asset: Asset, balance: Balance | None) -> dict:
    free, locked = (balance.free, balance.locked) if balance else (ZERO, ZERO)
    borrowed, interest = (balance.borrowed, balance.interest) if balance else (ZERO, ZERO)
    return {
        "asset": asset.code,
        "borrowed": amount(borrowed),
        "free": amount(free),
        "interest": amount(interest),
        "locked": amount(locked),
        "netAsset": amount(free + locked - borrowed - interest),
    }


def commission_rates(settings) -> dict:
    """The platform's fees as Binance's ``commissionRates`` (no buyer/seller surcharge here)."""
    return {
        "maker": amount(settings.maker_fee),
        "taker": amount(settings.taker_fee),
        "buyer": amount(0),
        "seller": amount(0),
    }


def commission_rates_test(settings) -> dict:
    """order/test with computeCommissionRates=true: the rates that order would pay (no tax, no discount)."""
    rates = {"maker": amount(settings.maker_fee), "taker": amount(settings.taker_fee)}
    return {
        "standardCommissionForOrder": rates,
        "taxCommissionForOrder": {"maker": amount(0), "taker": amount(0)},
        "discount": {
            "enabledForAccount": False,
            "enabledForSymbol": False,
            "discountAsset": "BNB",
            "discount": amount(0),
        },
    }


def spot_account(*, user, summary: AccountSummary, assets: list[Asset], settings, now: int) -> dict:
    """/api/v3/account: the spot wallet (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints).

    makerCommission and takerCommission are in basis points (10 = 0.1 %), as Binance writes them.
    """
    balances = {b.asset_id: b for b in summary.balances}
    enabled = not summary.account.is_frozen
    return {
        "makerCommission": int(settings.maker_fee * 10000),
        "takerCommission": int(settings.taker_fee * 10000),
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": commission_rates(settings),
        "canTrade": enabled,
        "canWithdraw": False,
        "canDeposit": False,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": now,
        "accountType": "SPOT",
        "balances": [
            {"asset": a.code, "free": amount(balances[a.pk].free), "locked": amount(balances[a.pk].locked)}
            if a.pk in balances
            else {"asset": a.code, "free": amount(0), "locked": amount(0)}
            for a in assets
        ],
        "permissions": ["SPOT"],
        "uid": user.pk,
    }


def cross_account(*, summary: AccountSummary, assets: list[Asset], btc_price: Decimal | None) -> dict:
    balances = {b.asset_id: b for b in summary.balances}
    valuation = summary.valuation
    enabled = not summary.account.is_frozen
    return {
        "created": True,
        "borrowEnabled": enabled,
        "marginLevel": amount(summary.margin_level if summary.margin_level is not None else NO_DEBT_MARGIN_LEVEL),
        "collateralMarginLevel": amount(
            summary.margin_level if summary.margin_level is not None else NO_DEBT_MARGIN_LEVEL
        ),
        "totalAssetOfBtc": in_btc(valuation.assets, btc_price),
        "totalLiabilityOfBtc": in_btc(valuation.debt, btc_price),
        "totalNetAssetOfBtc": in_btc(valuation.equity, btc_price),
        "TotalCollateralValueInUSDT": amount(valuation.assets),
        "totalOpenOrderLossInUSDT": amount(0),
        "tradeEnabled": enabled,
        "transferEnabled": enabled,
        "transferInEnabled": enabled,
        "transferOutEnabled": enabled,
        "accountType": "MARGIN_1",
        "userAssets": [user_asset(asset, balances.get(asset.pk)) for asset in assets],
    }


def _isolated_asset(asset: Asset, balance: Balance | None, *, price: Decimal, btc_price: Decimal | None) -> dict:
    entry = user_asset(asset, balance)
    gross = (balance.free + balance.locked) if balance else ZERO
    net = balance.net if balance else ZERO
    return {
        **entry,
        "borrowEnabled": asset.borrowable,
        "netAssetOfBtc": in_btc(net * price, btc_price),
        "repayEnabled": True,
        "totalAsset": amount(gross),
    }


def isolated_account(
    *, summary: AccountSummary, prices: dict[str, Decimal], liquidation_price: Decimal | None, btc_price
) -> dict:
    account = summary.account
    pair = account.isolated_pair
    balances = {b.asset_id: b for b in summary.balances}
    level = summary.margin_level
    return {
        "baseAsset": _isolated_asset(
            pair.base, balances.get(pair.base_id), price=prices.get(pair.base.code, ZERO), btc_price=btc_price
        ),
        "quoteAsset": _isolated_asset(
            pair.quote, balances.get(pair.quote_id), price=prices.get(pair.quote.code, ZERO), btc_price=btc_price
        ),
        "symbol": pair.symbol,
        "isolatedCreated": True,
        "enabled": True,
        "marginLevel": amount(level if level is not None else NO_DEBT_MARGIN_LEVEL),
        "marginLevelStatus": MARGIN_LEVEL_STATUS[summary.status] if level is not None else "EXCESSIVE",
        "marginRatio": amount(account.leverage or 0),
        "indexPrice": amount(prices.get(pair.base.code, ZERO)),
        "liquidatePrice": amount(liquidation_price or 0),
        "liquidateRate": amount(summary.ratios.liquidation if summary.ratios else 0),
        "tradeEnabled": not account.is_frozen,
    }


def isolated_totals(summaries: list[AccountSummary], btc_price: Decimal | None) -> dict:
    assets = sum((s.valuation.assets for s in summaries), ZERO)
    debt = sum((s.valuation.debt for s in summaries), ZERO)
    return {
        "totalAssetOfBtc": in_btc(assets, btc_price),
        "totalLiabilityOfBtc": in_btc(debt, btc_price),
        "totalNetAssetOfBtc": in_btc(assets - debt, btc_price),
    }


# --- rates and fees -------------------------------------------------------------------------------------


def cross_margin_data(asset: Asset, *, pairs: list[Pair], vip_level: int) -> dict:
    """crossMarginData: the asset's rate and borrow limit, and the margin pairs it is part of."""
    return {
        "vipLevel": vip_level,
        "coin": asset.code,
        "transferIn": True,
        "borrowable": asset.borrowable,
        "dailyInterest": amount(asset.daily_interest_rate),
        "yearlyInterest": amount(asset.daily_interest_rate * 365),
        "borrowLimit": amount(asset.borrow_limit),
        "marginablePairs": [p.symbol for p in pairs if asset.pk in (p.base_id, p.quote_id)],
    }


def isolated_margin_data(pair: Pair, *, vip_level: int) -> dict:
    return {
        "vipLevel": vip_level,
        "symbol": pair.symbol,
        "leverage": str(pair.max_leverage),
        "data": [
            {"coin": a.code, "dailyInterest": amount(a.daily_interest_rate), "borrowLimit": amount(a.borrow_limit)}
            for a in (pair.base, pair.quote)
        ],
    }


def isolated_margin_tier(pair: Pair, row) -> dict:
    """One tier as ``GET /sapi/v1/margin/isolatedMarginTier`` answers it, numbers written plainly as in
    Binance's example ("10", "1.111", "70000")
    (https://developers.binance.com/docs/margin_trading/market-data/Query-Isolated-Margin-Tier-Data)."""

    def plain(value) -> str:
        return f"{value.normalize():f}"

    return {
        "symbol": pair.symbol,
        "tier": row.tier,
        "effectiveMultiple": plain(row.effective_multiple),
        "initialRiskRatio": plain(row.ratios.initial),
        "liquidationRiskRatio": plain(row.ratios.liquidation),
        "baseAssetMaxBorrowable": plain(row.base_max_borrowable),
        "quoteAssetMaxBorrowable": plain(row.quote_max_borrowable),
    }


def trade_fee(pair: Pair, settings) -> dict:
    return {
        "symbol": pair.symbol,
        "makerCommission": amount(settings.maker_fee),
        "takerCommission": amount(settings.taker_fee),
    }
