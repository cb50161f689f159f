"""The one precision of money: every amount, price and balance is kept with 8 decimal places."""

from decimal import Decimal

AMOUNT_PLACES = 8
Q8 = Decimal(1).scaleb(-AMOUNT_PLACES)
