"""Classes and memberships: an instructor makes a class (a market of its own: copies of main pairs with
their prices, lending pools filled through the ledger), students join with its code and get accounts of
their own in it."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import User
from classrooms.models import INSTRUCTOR_GROUP, ClassPair, Classroom, Membership
from core.errors import ApplicationError, Conflict, NotFound
from futures.services.symbols import futures_symbols_copy
from futures.services.wallet import futures_wallet_open
from trading import selectors as trading_selectors
from trading.models import Asset, IsolatedMarginTier, JournalEntry, Market, Pair, RiskProfile, SystemAccount
from trading.services.accounts import account_provision
from trading.services.common import clean_amount
from trading.services.ledger import Posting, ledger_post, market_system_accounts_open, system_balance
from trading.services.markets import INSURANCE_FUND_SEED, mark_price_set

NAME_MAX = 100
PAIRS_MAX = 20
STARTING_BALANCE_MAX = Decimal(1_000_000_000)
# A class's maker and taker fee: 0 to 1 % (Binance's standard spot fee is 0.1 %; its highest tier pays 0.1 %
# too: https://www.binance.com/en/fee/trading).
FEE_MAX = Decimal("0.01")
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a classroom
JOIN_CODE_LENGTH = 8


def is_instructor(user: User) -> bool:
    """Staff, or a member of the ``instructor`` group (granted by staff in the admin)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.groups.filter(name=INSTRUCTOR_GROUP).exists())


def _bad(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, fields={field: [message]})


def _clean_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        raise _bad("name", f"Give the class a name of 1 to {NAME_MAX} characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise _bad("name", "The name may not contain control characters.")
    return name.strip()


def _clean_symbols(symbols) -> list[Pair]:
    if not isinstance(symbols, list) or not 1 <= len(symbols) <= PAIRS_MAX:
        raise _bad("symbols", f'Choose 1 to {PAIRS_MAX} pairs, e.g. ["BTCUSDT", "ETHUSDT"].')
    pairs: dict[int, Pair] = {}
    for symbol in symbols:
        try:
            pair = trading_selectors.pair_get(symbol=symbol)
        except ApplicationError:
            raise _bad("symbols", f"Unknown pair: {symbol!r}.") from None
        if not pair.is_active or pair.quote.code != trading_selectors.QUOTE_ASSET:
            raise _bad("symbols", f"{pair.symbol} cannot be traded in a class (an active USDT pair is needed).")
        pairs[pair.pk] = pair
    return sorted(pairs.values(), key=lambda p: p.symbol)


def _clean_profile(name) -> RiskProfile | None:
    if name is None or name == "":
        return None
    profile = RiskProfile.objects.filter(name=name).first() if isinstance(name, str) else None
    if profile is None:
        names = ", ".join(RiskProfile.objects.order_by("name").values_list("name", flat=True))
        raise ApplicationError(
            f"Unknown risk profile {name!r}; choose one of {names}.",
            code="unknown_risk_profile",
            fields={"risk_profile": [f"One of {names}."]},
        )
    return profile


def _clean_fee(value, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    fee = clean_amount(value, field=field, allow_zero=True)
    if fee > FEE_MAX:
        raise _bad(field, f"At most {FEE_MAX} (1 %).")
    return fee


def _join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def class_asset_code(classroom: Classroom, code: str) -> str:
    """A main asset's code in the class: codes stay unique, because prices and valuations key on them."""
    return f"C{classroom.pk}{code}"


def classroom_create(
    *,
    instructor: User,
    name,
    starting_balance,
    symbols,
    risk_profile=None,
    maker_fee=None,
    taker_fee=None,
    futures: bool = False,
) -> Classroom:
    """A class with its market: a copy of each chosen main pair (and of its base asset, with its rate and
    limits) at the main pair's current price, and the copies' lending pools filled from paper funding.
    ``risk_profile`` (a profile's name) and the fees are the class's own rules (None: the platform's), which
    its accounts' margin levels, liquidations and fills follow. ``futures``: the class trades the perpetuals
    of its pairs too (copies of the main ones), each member with a class futures wallet."""
    if not is_instructor(instructor):
        raise ApplicationError("Only instructors can create classes.", code="permission_denied", status=403)
    name = _clean_name(name)
    starting_balance = clean_amount(starting_balance, field="starting_balance")
    if starting_balance > STARTING_BALANCE_MAX:
        raise _bad("starting_balance", f"At most {STARTING_BALANCE_MAX} USDT.")
    pairs = _clean_symbols(symbols)
    if not isinstance(futures, bool):
        raise _bad("futures", "futures must be true or false.")
    profile = _clean_profile(risk_profile)
    maker, taker = _clean_fee(maker_fee, field="maker_fee"), _clean_fee(taker_fee, field="taker_fee")
    prices = {p.pk: trading_selectors.mark_price_get(pair=p) for p in pairs}
    with transaction.atomic():
        market = Market.objects.create(name=name, risk_profile=profile, maker_fee=maker, taker_fee=taker)
        classroom = Classroom.objects.create(
            name=name,
            instructor=instructor,
            market=market,
            starting_balance=starting_balance,
            join_code=_join_code(),
            futures=futures,
        )
        # The class's own lending pool and insurance fund: its USDT borrows and liquidation shortfalls never
        # touch the main market's, nor another class's.
        market_system_accounts_open(market=market)
        posting = Posting()
        quote = trading_selectors.asset_get(code=trading_selectors.QUOTE_ASSET)
        quote_funding = system_balance(SystemAccount.PAPER_FUNDING, quote)
        if quote.lending_pool_size > 0:
            posting.move(
                quote_funding, system_balance(SystemAccount.LENDING_POOL, quote, market=market), quote.lending_pool_size
            )
        posting.move(
            quote_funding, system_balance(SystemAccount.INSURANCE_FUND, quote, market=market), INSURANCE_FUND_SEED
        )
        copies: dict[int, Pair] = {}
        for source in pairs:
            base = Asset.in_all_markets.create(
                code=class_asset_code(classroom, source.base.code),
                name=f"{source.base.code} in {name}"[:64],
                daily_interest_rate=source.base.daily_interest_rate,
                borrowable=source.base.borrowable,
                borrow_limit=source.base.borrow_limit,
                lending_pool_size=source.base.lending_pool_size,
                market=market,
            )
            pair = Pair.in_all_markets.create(
                symbol=f"{base.code}{source.quote.code}",
                base=base,
                quote=source.quote,
                tick_size=source.tick_size,
                step_size=source.step_size,
                min_qty=source.min_qty,
                min_notional=source.min_notional,
                max_leverage=source.max_leverage,
                margin_enabled=source.margin_enabled,
                isolated_enabled=source.isolated_enabled,
                market=market,
            )
            ClassPair.objects.create(classroom=classroom, source=source, pair=pair)
            copies[source.pk] = pair
            _isolated_tiers_copy(source=source, pair=pair)
            mark_price_set(symbol=pair.symbol, price=prices[source.pk], market=market)
            if base.lending_pool_size > 0:
                funding = system_balance(SystemAccount.PAPER_FUNDING, base)
                pool = system_balance(SystemAccount.LENDING_POOL, base, market=market)
                posting.move(funding, pool, base.lending_pool_size)
        ledger_post(
            kind=JournalEntry.Kind.BOOTSTRAP,
            posting=posting,
            memo=f"class #{classroom.pk} lending pools, insurance fund",
        )
        if futures:
            futures_symbols_copy(pairs=copies)
    return classroom


def _isolated_tiers_copy(*, source: Pair, pair: Pair) -> None:
    """The source pair's isolated tier table on its class copy: a class's isolated accounts borrow by the
    same tiered leverage as the main market's (``trading.selectors.tiers``), each tier applied to the
    class's own risk profile."""
    IsolatedMarginTier.objects.bulk_create(
        [
            IsolatedMarginTier(
                pair=pair,
                leverage=t.leverage,
                tier=t.tier,
                effective_multiple=t.effective_multiple,
                initial=t.initial,
                margin_call=t.margin_call,
                liquidation=t.liquidation,
                base_max_borrowable=t.base_max_borrowable,
                quote_max_borrowable=t.quote_max_borrowable,
            )
            for t in IsolatedMarginTier.objects.filter(pair=source)
        ]
    )


def _clean_code(code) -> str:
    text = code.strip().upper() if isinstance(code, str) else ""
    if not re.fullmatch(r"[A-Z0-9]{4,16}", text):
        raise _bad("code", "A join code is 8 letters and digits, e.g. K7M2QX9P.")
    return text


def membership_join(*, user: User, code) -> tuple[Membership, bool]:
    """Join a class by its code: a membership and the member's class accounts (a spot wallet with the
    class's starting balance and a cross account); joining again returns the membership (False)."""
    code = _clean_code(code)
    classroom = Classroom.objects.filter(join_code=code).select_related("market").first()
    if classroom is None or not classroom.is_open:
        raise NotFound("No open class has that join code.", fields={"code": ["No open class has that code."]})
    if classroom.instructor_id == user.pk:
        raise ApplicationError("You teach this class; join it with a student's login.", code="instructor_cannot_join")
    if hasattr(user, "class_holding"):
        raise ApplicationError("A class account cannot join a class.", code="permission_denied", status=403)
    existing = Membership.objects.filter(classroom=classroom, student=user).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            holder = User(username=f"class:{classroom.pk}:{user.pk}", is_active=True)
            holder.set_unusable_password()
            holder.save()
            membership = Membership.objects.create(classroom=classroom, student=user, holder=holder)
            account_provision(user=holder, market=classroom.market, starting_balance=classroom.starting_balance)
            if classroom.futures:
                futures_wallet_open(user=holder)
    except IntegrityError:  # the same student joining twice at once: the other request made it
        existing = Membership.objects.filter(classroom=classroom, student=user).first()
        if existing is None:
            raise Conflict("Joining failed; try again.") from None
        return existing, False
    return membership, True


def classroom_open_set(*, classroom: Classroom, is_open: bool) -> Classroom:
    Classroom.objects.filter(pk=classroom.pk).update(is_open=bool(is_open))
    classroom.is_open = bool(is_open)
    return classroom
