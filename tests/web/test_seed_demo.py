"""`manage.py seed_demo`: the demo trader and the staff user, with a login that works on every run."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from trading.models import Account, AccountKind, Balance, Order
from trading.selectors import ledger_differences

LINE = re.compile(
    r"MarginLab is running at http://127\.0\.0\.1:(?P<port>\d+)/  "
    r"demo login: demo / (?P<demo>\S+)  staff login: admin / (?P<admin>\S+)"
)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MARGINLAB_DEMO_PASSWORD = ""
    return tmp_path


def seed(capsys) -> re.Match:
    call_command("seed_demo")
    match = LINE.search(capsys.readouterr().out)
    assert match, "seed_demo did not print the URL and the logins"
    return match


def test_creates_demo_trader_and_staff_user_with_working_logins(platform, var_dir, capsys, monkeypatch):
    monkeypatch.setenv("PORT", "8123")

    printed = seed(capsys)

    users = get_user_model().objects
    demo, admin = users.get(username="demo"), users.get(username="admin")
    assert printed["port"] == "8123"
    assert demo.check_password(printed["demo"])
    assert admin.check_password(printed["admin"])
    assert not demo.is_staff
    assert admin.is_staff and admin.is_superuser
    kinds = set(Account.objects.filter(user=admin).values_list("kind", flat=True))
    assert kinds == {AccountKind.SPOT, AccountKind.CROSS}
    # The demo trader starts with something to watch: a leveraged cross position, an isolated one, an order.
    demo_accounts = Account.objects.filter(user=demo)
    assert set(demo_accounts.values_list("kind", flat=True)) == {
        AccountKind.SPOT,
        AccountKind.CROSS,
        AccountKind.ISOLATED,
    }
    assert (
        Balance.objects.filter(account__user=demo, account__kind=AccountKind.CROSS, asset__code="USDT").get().borrowed
        > 0
    )
    assert Order.objects.filter(account__user=demo, status="NEW", type="LIMIT").count() == 1
    assert ledger_differences() == []
    assert json.loads((var_dir / "demo-logins.json").read_text()) == {
        "demo": printed["demo"],
        "admin": printed["admin"],
    }


def test_rerun_changes_nothing_and_prints_the_same_working_login(platform, var_dir, capsys):
    first = seed(capsys)
    accounts = Account.objects.count()

    second = seed(capsys)

    assert (second["demo"], second["admin"]) == (first["demo"], first["admin"])
    assert Account.objects.count() == accounts
    assert get_user_model().objects.filter(username__in=["demo", "admin"]).count() == 2


def test_rerun_repairs_a_changed_password_and_lost_staff_rights(platform, var_dir, capsys):
    first = seed(capsys)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("something-else-entirely")
    admin.is_superuser = False
    admin.save()

    second = seed(capsys)

    admin.refresh_from_db()
    assert admin.check_password(second["admin"]) and second["admin"] == first["admin"]
    assert admin.is_superuser


def test_uses_the_configured_demo_password(platform, var_dir, settings, capsys):
    settings.MARGINLAB_DEMO_PASSWORD = "saffron-kettle-drum-9"

    printed = seed(capsys)

    assert printed["demo"] == printed["admin"] == "saffron-kettle-drum-9"
    assert get_user_model().objects.get(username="demo").check_password("saffron-kettle-drum-9")
    assert not (var_dir / "demo-logins.json").exists()
