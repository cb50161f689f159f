"""``lookups_pinned``: a batch checks the lookup cache's token once, and still sees a write made inside it."""

from decimal import Decimal

import pytest

from trading import lookup_cache, selectors
from trading.lookup_cache import lookups_pinned
from trading.models import PlatformSettings

pytestmark = pytest.mark.django_db


class CountingCache:
    def __init__(self, inner) -> None:
        self.inner, self.gets = inner, 0

    def get(self, *args, **kwargs):
        self.gets += 1
        return self.inner.get(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self.inner.add(*args, **kwargs)

    def set(self, *args, **kwargs):
        return self.inner.set(*args, **kwargs)


def test_pinned_look_ups_check_the_token_once_and_see_a_write_made_inside(platform, monkeypatch):
    counting = CountingCache(lookup_cache.cache)
    monkeypatch.setattr(lookup_cache, "cache", counting)
    selectors.platform_settings_get()
    counting.gets = 0
    for _ in range(3):
        selectors.platform_settings_get()
    assert counting.gets == 3  # unpinned: every look-up checks the token

    counting.gets = 0
    with lookups_pinned():
        for _ in range(3):
            selectors.platform_settings_get()
            selectors.pairs_by_symbol()
        assert counting.gets == 1
        with lookups_pinned():  # nested: still the one check
            selectors.platform_settings_get()
        assert counting.gets == 1
        row = PlatformSettings.objects.get()
        row.slippage_bps = Decimal(7)
        row.save()  # retires the copies: the next look-up checks again and reads the new row
        assert selectors.platform_settings_get().slippage_bps == 7
        assert counting.gets == 2
    selectors.platform_settings_get()
    assert counting.gets == 3  # unpinned again
