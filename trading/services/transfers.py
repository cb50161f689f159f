"""Transfers between a user's own accounts (spot <-> cross <-> isolated)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core.errors import ApplicationError
from trading import selectors
from trading.models import AccountKind, JournalEntry, Transfer
from trading.services.common import clean_amount, margin_rule_check
from trading.services.ledger import LockedAccount, Posting, accounts_lock, ledger_post
from trading.services.loans import ensure_asset_allowed, ensure_tradable
from trading.services.positions import entry_price_update

# Spot <-> cross, spot <-> isolated, cross <-> isolated, and isolated -> another isolated account of the same
# user: Binance's universal transfer has the type ISOLATEDMARGIN_ISOLATEDMARGIN ("fromSymbol must be sent
# when type are ISOLATEDMARGIN_MARGIN and ISOLATEDMARGIN_ISOLATEDMARGIN", toSymbol likewise;
# https://developers.binance.com/docs/wallet/asset/user-universal-transfer). The asset must be one both
# pairs hold (USDT between ETHUSDT and BTCUSDT), and the source keeps the transfer-out ratio as any margin
# account does.
ALLOWED_ROUTES = {
    (AccountKind.ISOLATED, AccountKind.ISOLATED),
    (AccountKind.SPOT, AccountKind.CROSS),
    (AccountKind.CROSS, AccountKind.SPOT),
    (AccountKind.SPOT, AccountKind.ISOLATED),
    (AccountKind.ISOLATED, AccountKind.SPOT),
    (AccountKind.CROSS, AccountKind.ISOLATED),
    (AccountKind.ISOLATED, AccountKind.CROSS),
}


def transfer_create(*, user: User, from_account_id, to_account_id, asset: str, amount) -> Transfer:
    """Move free funds between two of the user's accounts.

    Out of a margin account with debt, only while its margin level after the transfer stays at or
    above the transfer-out ratio (2.0). Nothing ever moves between accounts on its own.
    """
    amount = clean_amount(amount)
    source = selectors.account_get_for_user(user=user, account_id=from_account_id)
    target = selectors.account_get_for_user(user=user, account_id=to_account_id)
    asset_obj = selectors.asset_get(code=asset, market=source.market_id)
    if source.pk == target.pk:
        raise ApplicationError(
            "Choose two different accounts.", fields={"to_account": ["Must differ from from_account."]}
        )
    if (source.kind, target.kind) not in ALLOWED_ROUTES:
        raise ApplicationError(
            f"Transfers from {source.kind} to {target.kind} are not allowed.", code="transfer_not_allowed"
        )
    ensure_asset_allowed(source, asset_obj)
    ensure_asset_allowed(target, asset_obj)
    prices = selectors.mark_prices()
    profile_id = selectors.account_settings_get(source).risk_profile_id  # both in one market (the asset is)

    with transaction.atomic():
        accounts = accounts_lock(source.pk, target.pk)
        source, target = accounts[source.pk], accounts[target.pk]
        ensure_tradable(source)
        ensure_tradable(target)
        # Both accounts' balances are locked in account-id order, the same order as the account rows.
        first, second = sorted((source, target), key=lambda a: a.pk)
        locked = {first.pk: LockedAccount(first, [asset_obj]), second.pk: LockedAccount(second, [asset_obj])}
        out, into = locked[source.pk], locked[target.pk]
        net_before = into.balance(asset_obj).net
        posting = Posting()
        posting.move(out.balance(asset_obj), into.balance(asset_obj), amount)
        if source.is_margin:
            # The level after the transfer may reach the transfer-out ratio, not pass below it (Binance's
            # rule and source: margin.keeps_level); selectors.max_transferable_get is its maximum.
            margin_rule_check(
                valuation=selectors.valuation_of(balances=out.all(), prices=prices),
                ratios=selectors.ratios_get(account=source, profile_id=profile_id, balances=out.all()),
                rule="transfer_out",
                action="The transfer",
                fields={"amount": ["Too much for the account's debt."]},
            )
        if target.is_margin and asset_obj.code != selectors.QUOTE_ASSET and asset_obj.code in prices:
            entry_price_update(balance=into.balance(asset_obj), net_before=net_before, price=prices[asset_obj.code])
        entry = ledger_post(
            kind=JournalEntry.Kind.TRANSFER,
            posting=posting,
            account=source,
            memo=f"transfer {amount} {asset_obj.code} #{source.pk} -> #{target.pk}",
        )
        return Transfer.objects.create(
            user=user, from_account=source, to_account=target, asset=asset_obj, amount=amount, entry=entry
        )
