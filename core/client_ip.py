"""The caller's address, the one answer every per-address limit uses: DRF's throttles (``core.throttling``),
django-axes' lockouts (``AXES_CLIENT_IP_CALLABLE``) and the Binance API's IP weights.

X-Forwarded-For is written by whoever sent the request, so it is believed only as far as the proxies we run
ourselves: ``MARGINLAB_TRUSTED_PROXIES`` of them (0 by default: the address the socket saw, REMOTE_ADDR, and
the header is ignored). Each trusted proxy appends the address it saw to the header, so with N of them the
client is the N-th entry from the right; anything left of it may be forged. This is DRF's own NUM_PROXIES rule
(``rest_framework.throttling.BaseThrottle.get_ident``), which settings.py sets from the same number.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def trusted_proxies() -> int:
    return max(0, settings.MARGINLAB_TRUSTED_PROXIES)


def client_address(request, *args, **kwargs) -> str | None:
    """The client's address as far as our own proxies vouch for it; None when not even the socket's is known
    (a request made in-process, as the test client's force_login does: django-axes stores the address in an
    IP address column, which refuses anything but an address or NULL)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or None
    proxies = trusted_proxies()
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer entries than proxies: a proxy in front added none (misconfigured); the left-most is all we have.
    chosen = hops[-min(proxies, len(hops))]
    # Only an address: what a misconfigured chain lets through must not reach axes' IP address column.
    return chosen if _is_address(chosen) else remote


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
