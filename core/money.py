"""The one precision of money: every amount, price and balance is kept with 8 decimal places; and the one
reader of a decimal number as every door takes it (the web forms, /api/v1 and the Binance API)."""

import re
from decimal import Decimal

AMOUNT_PLACES = 8
Q8 = Decimal(1).scaleb(-AMOUNT_PLACES)

# Plain ASCII decimals only: Decimal() itself also reads "1_000", " 1 ", "1e3", "NaN", fullwidth "１０" and
# Arabic-Indic "١٠", none of which a person or a program means as an amount (Binance refuses them too).
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
PLAIN_DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def parse_decimal(text: str) -> Decimal | None:
    """``text`` as a Decimal when it is a plain decimal (digits, at most one dot, maybe a minus), else None."""
    return Decimal(text) if PLAIN_DECIMAL.fullmatch(text) else None
