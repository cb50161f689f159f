"""Every MarginLab setting is defined once, in config/settings.py, and documented in the README's table."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = (ROOT / "config" / "settings.py").read_text()
FROM_ENV = re.findall(r'^(MARGINLAB_\w+) = .*env(?:\.\w+)?\(\s*"(MARGINLAB_\w+)"', SETTINGS, re.MULTILINE)


def test_every_marginlab_setting_from_the_environment_is_in_the_readme_table():
    assert len(FROM_ENV) >= 10
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("### With PostgreSQL and Redis")]
    for name, variable in FROM_ENV:
        assert name == variable
        assert f"| `{name}` |" in table, f"{name} is missing from the README's configuration table"


def test_no_code_reads_a_setting_with_a_default_of_its_own():
    """A default repeated at the place of use would drift from the one in config/settings.py."""
    pattern = re.compile(r"getattr\(\s*(django_)?settings\s*,")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("accounts", "config", "core", "risk", "trading")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_the_binance_weight_limits_default_to_binance_figures():
    assert (settings.MARGINLAB_BINANCE_IP_WEIGHT_LIMIT, settings.MARGINLAB_BINANCE_UID_WEIGHT_LIMIT) == (6000, 180000)
