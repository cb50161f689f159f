"""Input checks shared by every service: bad input raises the one ApplicationError and changes nothing."""

from __future__ import annotations

from decimal import Decimal

from core.errors import ApplicationError, MarginRuleViolation
from core.money import AMOUNT_PLACES, parse_decimal
from trading import margin
from trading.margin import Ratios, Valuation

# Larger than any paper balance can be, small enough to fit the 32-digit columns.
MAX_AMOUNT = Decimal("1e15")


def clean_amount(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive Decimal with at most 8 decimal places, from a Decimal, an int or a plain decimal string
    (``core.money.parse_decimal``: every door's amounts come through here). Floats are refused: they are
    not exact."""
    if isinstance(value, bool) or isinstance(value, float) or value is None:
        raise _bad(field, "must be a decimal number given as a string")
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, str) and (parsed := parse_decimal(value)) is not None:
        amount = parsed
    else:
        raise _bad(field, "must be a decimal number")
    if not amount.is_finite():
        raise _bad(field, "must be a finite number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _bad(field, "must be greater than zero")
    if amount >= MAX_AMOUNT:
        raise _bad(field, "is too large")
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # only NaN and infinities have a letter here, and they were refused above
    if exponent < -AMOUNT_PLACES and amount != amount.quantize(Decimal(1).scaleb(-AMOUNT_PLACES)):
        raise _bad(field, f"has more than {AMOUNT_PLACES} decimal places")
    return amount


# The margin rules' thresholds by the name the one message gives them.
RULE_NAMES = {"initial": "initial", "transfer_out": "transfer-out"}


def margin_rule_check(
    *, valuation: Valuation, ratios: Ratios, rule: str, action: str, fields: dict | None = None, hint: str = ""
) -> None:
    """The one guard of the margin rules: refuse (MarginRuleViolation) what would leave a margin account's
    level below the ``rule`` ratio ("initial" or "transfer_out"); ``valuation`` is the account as it would
    be after ``action`` ("The order", "Borrowing 5 ETH", ...). ``hint`` ends the message (what would pass)."""
    threshold = getattr(ratios, rule)
    if margin.keeps_level(valuation, threshold):
        return
    raise MarginRuleViolation(
        f"{action} would leave the margin level at {margin.shown_below(valuation.level)}, below the "
        f"{RULE_NAMES[rule]} ratio "
        f"{threshold.normalize():f}{f'; {hint}' if hint else ''}.",
        fields=fields or {},
    )


def clean_choice(value, *, field: str, choices) -> str:
    values = [c.value for c in choices] if hasattr(choices, "__iter__") else list(choices)
    if not isinstance(value, str) or value.upper() not in values:
        raise _bad(field, f"must be one of {', '.join(values)}")
    return value.upper()


def _bad(field: str, message: str) -> ApplicationError:
    text = f"{field} {message}."
    return ApplicationError(text[0].upper() + text[1:], code="invalid", fields={field: [text[0].upper() + text[1:]]})
