"""The caller's address, the one answer every per-address limit uses: DRF's throttles (``core.throttling``),
django-axes' lockouts (``AXES_CLIENT_IP_CALLABLE``) and the Binance API's IP weights.

X-Forwarded-For is written by whoever sent the request, so it is believed only as far as the proxies we run
ourselves: ``MARGINLAB_TRUSTED_PROXIES`` of them (0 by default: the address the socket saw, REMOTE_ADDR, and
the header is ignored). Each trusted proxy appends the address it saw to the header, so with N of them the
client is the N-th entry from the right; anything left of it may be forged. This is DRF's own NUM_PROXIES rule
(``rest_framework.throttling.BaseThrottle.get_ident``), which settings.py sets from the same number.
"""

from __future__ import annotations

from django.conf import settings


def trusted_proxies() -> int:
    return max(0, int(getattr(settings, "MARGINLAB_TRUSTED_PROXIES", 0)))


def client_address(request, *args, **kwargs) -> str:
    """The client's address as far as our own proxies vouch for it. Extra arguments are ignored: django-axes
    calls its AXES_CLIENT_IP_CALLABLE with the request alone, but DRF views pass their own request type."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or "unknown"
    proxies = trusted_proxies()
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer entries than proxies: a proxy in front added none (misconfigured); the left-most is all we have.
    return hops[-min(proxies, len(hops))] or remote
