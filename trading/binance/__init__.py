"""A Binance-compatible API beside /api/v1: Binance's own paths, parameters, field names, signing, weights
and errors, over MarginLab's services. A bot written for Binance margin (ccxt, python-binance, ...) runs
here with nothing changed but its base URL: the margin testnet Binance does not have.

``params`` reads parameters as Binance does, ``auth`` checks keys and signatures, ``throttling`` counts
weights, ``selectors`` picks accounts and reads, ``formats`` shapes answers, ``errors`` translates the
services' errors, ``apis`` are the thin views and ``urls`` their paths.
"""
