"""The market a Binance-compatible request trades in, and the names a bot knows it by.

A key bound to a market (``ApiKey.market_ref``, a class's) makes every request signed with it (and every
public one sending its ``X-MBX-APIKEY`` header, as python-binance always does) read that market's pairs,
assets and prices. Its owner is the class's holder, so the accounts are the class ones already. A bot
written for Binance keeps its names: ``ETHUSDT`` and ``ETH`` in a request mean the market's copies, and
the answer calls them ``ETHUSDT`` and ``ETH`` again. Which copy stands for which main name is known
above this floor (``classrooms`` keeps the copies), so it comes through a hook registered at start-up
(``names_source_register``), never an import upward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from trading.lookup_cache import lookup_cached

_current: ContextVar[int | None] = ContextVar("binance_market", default=None)
# A market's main name -> its own name, for pair symbols and asset codes alike.
NamesSource = Callable[[int], Mapping[str, str]]
_sources: list[NamesSource] = []

# Parameters that name a pair or an asset, in any endpoint of /api, /sapi and /fapi.
SYMBOL_PARAMS = ("symbol", "isolatedSymbol", "pair")
LIST_PARAMS = ("symbols",)
ASSET_PARAMS = ("asset", "base", "quote", "coin", "borrowAsset")


@dataclass(frozen=True)
class MarketNames:
    to_market: dict[str, str] = field(default_factory=dict)
    to_main: dict[str, str] = field(default_factory=dict)


NO_NAMES = MarketNames()


def names_source_register(source: NamesSource) -> None:
    """Called once by an app above (``classrooms.apps``): how its markets name the main pairs and assets."""
    if source not in _sources:
        _sources.append(source)


def market_names(market_id: int | None) -> MarketNames:
    if market_id is None:
        return NO_NAMES

    def load() -> MarketNames:
        to_market: dict[str, str] = {}
        for source in _sources:
            to_market.update(source(market_id))
        return MarketNames(to_market=to_market, to_main={own: main for main, own in to_market.items()})

    return lookup_cached(f"binance-names:{market_id}", load)


def current_market_id() -> int | None:
    """The market of the request being answered (None: the main market)."""
    return _current.get()


def market_enter(market_id: int | None) -> Token:
    return _current.set(market_id)


def market_leave(token: Token) -> None:
    _current.reset(token)


def params_in_market(values: dict[str, str], names: MarketNames) -> None:
    """Main names in the request's parameters become the market's own (after the signature is checked:
    the signature covers what the bot sent)."""
    if not names.to_market:
        return
    for name in (*SYMBOL_PARAMS, *ASSET_PARAMS):
        value = values.get(name)
        if isinstance(value, str) and value.upper() in names.to_market:
            values[name] = names.to_market[value.upper()]
    for name in LIST_PARAMS:
        value = values.get(name)
        if isinstance(value, str):
            for main, own in names.to_market.items():
                # JSON (["ETHUSDT"]) or comma lists (ETHUSDT,BTCUSDT): each whole name, quoted or between commas.
                value = _replace_item(value, main, own)
            values[name] = value


def _replace_item(text: str, main: str, own: str) -> str:
    parts = text.split(",")
    out = []
    for part in parts:
        core = part.strip().strip("[]").strip().strip('"')
        out.append(part.replace(core, own) if core.upper() == main and core else part)
    return ",".join(out)


def answer_in_main_names(data, names: MarketNames):
    """The answer with the market's own names told by their main ones (every string equal to one: a
    class's names, ``C3ETH``, are its own and appear nowhere else)."""
    if not names.to_main:
        return data
    to_main = names.to_main
    if isinstance(data, str):
        return to_main.get(data, data)
    if isinstance(data, list):
        return [answer_in_main_names(item, names) for item in data]
    if isinstance(data, dict):
        return {to_main.get(k, k): answer_in_main_names(v, names) for k, v in data.items()}
    return data
