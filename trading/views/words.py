"""A service's refusal as a learner reads it on the web: in words, with the pair's own numbers, next to the field.

The services speak the API's language ("Filter failure: NOTIONAL", "Send quantity or quote_quantity.", "... USDT
free would be -39.65") because the Binance-compatible API must answer with Binance's own texts and codes. Only the
web pages translate, here; /api/v3 and /sapi keep what they say.
"""

from __future__ import annotations

import re
from decimal import Decimal

from core.errors import ApplicationError
from core.forms import ServiceForm
from trading import selectors
from trading.models import Pair
from trading.templatetags.marginlab import plain

# ledger.Posting.add: "Account has insufficient balance for requested action: USDT free would be -39.64959424."
SHORT = re.compile(
    r"insufficient balance for requested action: (?P<asset>\w+) (?P<bucket>\w+) would be -(?P<lack>[0-9]+(?:\.[0-9]+)?)"
)


def _pair_of(form: ServiceForm) -> Pair | None:
    symbol = getattr(form, "cleaned_data", {}).get("symbol")
    try:
        return selectors.pair_get(symbol=symbol) if symbol else None
    except ApplicationError:
        return None


def _amount_field(form: ServiceForm) -> str | None:
    """The field the amount was typed into: amount, quantity, or (a market order by total) quote_quantity."""
    if "amount" in form.fields:
        return "amount"
    if "quantity" in form.fields:
        data = getattr(form, "cleaned_data", {})
        return "quote_quantity" if data.get("quote_quantity") and not data.get("quantity") else "quantity"
    return None


def filter_words(failure: str, pair: Pair) -> tuple[str, str]:
    """(field, sentence) for a pair filter Binance names LOT_SIZE, PRICE_FILTER or NOTIONAL."""
    base, quote = pair.base.code, pair.quote.code
    if failure == "PRICE_FILTER":
        return "price", f"Prices of {pair.symbol} move in steps of {plain(pair.tick_size)} {quote}."
    if failure == "LOT_SIZE":
        smallest = max(pair.min_qty, pair.step_size)
        return (
            "quantity",
            f"Quantities of {base} move in steps of {plain(pair.step_size)}; the smallest is {plain(smallest)} {base}.",
        )
    return "quantity", f"The smallest order is {plain(pair.min_notional)} {quote} (quantity × price)."


def in_words(error: ApplicationError, form: ServiceForm) -> ApplicationError:
    """The same refusal, reworded for the page, beside the field it is about; unknown refusals pass as they are."""
    pair = _pair_of(form)
    message = error.message
    if error.code == "filter_failure" and pair is not None:
        failed, words = filter_words(message.removeprefix("Filter failure: ").strip(), pair)
        return ApplicationError(words, code=error.code, fields={failed: [words]})
    if message.startswith("Send either quantity or quote_quantity"):
        base = pair.base.code if pair else "the base asset"
        words = f"Enter one amount: a quantity in {base}, or for a market order a total in USDT (not both)."
        return ApplicationError(words, code=error.code, fields={"quantity": [words]})
    short = SHORT.search(message)
    field = _amount_field(form)
    if short and field:
        lack = Decimal(short["lack"]).normalize()
        asset = short["asset"]
        words = f"Not enough {asset}: this needs {lack:f} {asset} more than is free."
        if "side_effect" in form.fields:
            words += " Lower the amount, or choose MARGIN_BUY to borrow what is missing."
        return ApplicationError(words, code=error.code, fields={field: [words]})
    return error
