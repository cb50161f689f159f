"""The README's recipes ("Point your bot at MarginLab"), as every real-client test builds its clients.

ccxt picks its per-API error map (the spot and margin codes such as -3041, -3006, -3015; the USDⓈ-M ones
such as -2019, -2022) by Binance's host name in each request's URL (``binance.get_exceptions_by_url``):
at any other address only its generic map is left, and -3041, -2019 or -2022 arrive as a bare
ExchangeError. ``MarginLab`` tells it which Binance URL each request stands for, so it
picks the map it would pick on Binance; the same class serves ``ccxt.binance`` (spot, cross, isolated,
``defaultType: future``) and ``ccxt.binanceusdm``.

python-binance needs its three base URLs only: ``API_URL`` (/api), ``MARGIN_API_URL`` (/sapi, the
transfers included) and ``FUTURES_URL`` (/fapi).
"""

import re

import ccxt
from binance.client import Client


class MarginLab(ccxt.binance):
    """The README's class: ccxt's binance at MarginLab's address (``BASE``), keeping ccxt's error classes."""

    BASE = "http://127.0.0.1:8000"

    def __init__(self, config=None):
        super().__init__(config or {})
        self.urls["api"] = {name: re.sub(r"^https://[^/]+", self.BASE, url) for name, url in self.urls["api"].items()}

    def get_exceptions_by_url(self, url, exactOrBroad):
        if url and url.startswith(self.BASE):  # /api, /sapi -> api.binance.com; /fapi, /dapi -> theirs
            path = url[len(self.BASE) :]
            prefix = path.split("/")[1]
            host = prefix if prefix in ("fapi", "dapi", "eapi", "papi") else "api"
            url = f"https://{host}.binance.com{path}"
        return super().get_exceptions_by_url(url, exactOrBroad)


class MarginLabUSDM(MarginLab, ccxt.binanceusdm):
    """The README's futures class: ``binanceusdm``'s markets and defaults, MarginLab's URLs and error map."""


def marginlab_ccxt(base_url: str, keys, exchange_class: type[MarginLab] = MarginLab, **options) -> MarginLab:
    """One of the README's classes at the live server's address, with ``options`` (``defaultType``...)."""
    api_key, secret = keys
    at_server = type(exchange_class.__name__, (exchange_class,), {"BASE": base_url})
    # enableRateLimit off: ccxt would otherwise sleep out Binance's weights between calls (borrowing
    # "costs" 150 x 50 ms), which only slows the tests down; nothing about the server changes.
    return at_server({"apiKey": api_key, "secret": secret, "enableRateLimit": False, "options": options})


def urls_only_ccxt(base_url: str, keys, exchange_class: type[ccxt.binance] = ccxt.binance) -> ccxt.binance:
    """The old recipe, for contrast only: every API URL rewritten, nothing else (ccxt's generic error map)."""
    api_key, secret = keys
    urls = {name: re.sub(r"^https://[^/]+", base_url, url) for name, url in exchange_class().urls["api"].items()}
    return exchange_class({"apiKey": api_key, "secret": secret, "urls": {"api": urls}, "enableRateLimit": False})


def marginlab_python_binance(base_url: str, keys) -> Client:
    """The README's python-binance: its spot, margin and futures base URLs at MarginLab (it pings /api)."""
    client_class = type(
        "MarginLabClient",
        (Client,),
        {"API_URL": f"{base_url}/api", "MARGIN_API_URL": f"{base_url}/sapi", "FUTURES_URL": f"{base_url}/fapi"},
    )
    return client_class(*keys)
