import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def redis_url(settings) -> str:
    """REDIS_URL; without it a laptop run skips the test, while CI fails it (CI always provides Redis)."""
    if settings.REDIS_URL:
        return settings.REDIS_URL
    if IN_CI:
        pytest.fail("CI must provide Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (runs in CI)")
