"""Binance's USDⓈ-M futures API (/fapi) over the futures floor's services and selectors.

The door a bot written for Binance futures (ccxt ``binanceusdm``, python-binance's ``futures_*``) uses with
nothing changed but its base URL. It stands on ``trading.binance`` for what every Binance path shares
(``Params``, signing, weights, the error shape) and adds what is the futures' own: ``errors`` (the /fapi
codes and messages), ``selectors`` (the reads by Binance's windows), ``formats`` (the shapes), ``views``
and ``urls``.
"""
