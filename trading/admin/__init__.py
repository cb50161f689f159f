"""Staff oversight of the trading app.

Markets, risk profiles and platform settings are editable; balances, the ledger, orders and trades are
read-only here, because every change of money must go through the ledger services. One module per area;
importing them registers their ModelAdmins.
"""

from . import accounts, book, interest, ledger, markets, risk, tiers
from .common import PlainDecimalsForm, ReadOnlyAdmin, ReadOnlyInline, action_form, place_error
from .markets import PairAdmin

__all__ = [
    "PairAdmin",
    "PlainDecimalsForm",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "accounts",
    "book",
    "action_form",
    "interest",
    "ledger",
    "markets",
    "place_error",
    "risk",
    "tiers",
]
