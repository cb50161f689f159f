"""Staff oversight in the admin: every model listed, the ledger read-only, the accounts nearest to
liquidation, and the levers (set a price, shock a pair, sweep now, freeze, credit paper funds)."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from risk.models import Liquidation, MarginCall
from tests.helpers import assert_ledger_clean, bal, cross, margin_call_price, spot
from trading.models import Account, JournalEntry, LedgerLine, MarkPrice, Pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, charlie):
    charlie.is_superuser = True
    charlie.save()
    client.force_login(charlie)
    return client


def act(staff, model: str, action: str, ids: list, **data):
    url = reverse(f"admin:{model.replace('.', '_')}_changelist")
    return staff.post(url, {"action": action, "_selected_action": [str(i) for i in ids], **data}, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_every_registered_model_has_a_working_changelist(staff, eth_long):
    eth = Pair.objects.get(symbol="ETHUSDT")
    act(staff, "trading.pair", "set_price", [eth.pk], price="2600", apply="1")  # a liquidation to list

    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = staff.get(url)
        assert response.status_code == 200, url
        search = staff.get(url, {"q": "alice"})
        assert search.status_code == 200, url


def test_the_ledger_is_read_only(staff, eth_long):
    line = LedgerLine.objects.first()
    entry = line.entry

    assert staff.get(reverse("admin:trading_ledgerline_add")).status_code == 403
    assert staff.post(reverse("admin:trading_ledgerline_change", args=[line.pk]), {"amount": "1"}).status_code == 403
    assert staff.post(reverse("admin:trading_journalentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert staff.post(reverse("admin:trading_balance_change", args=[line.balance_id]), {"free": "1"}).status_code == 403
    line.refresh_from_db()
    assert LedgerLine.objects.filter(pk=line.pk).exists()


def test_set_a_price_runs_the_engine_at_once(staff, alice, eth_long):
    eth = Pair.objects.get(symbol="ETHUSDT")
    price = margin_call_price(eth_long)
    form = act(staff, "trading.pair", "set_price", [eth.pk])
    assert "Set the mark price of ETHUSDT" in form.content.decode()

    response = act(staff, "trading.pair", "set_price", [eth.pk], price=str(price), apply="1")

    assert MarkPrice.objects.get(pair=eth).price == price
    assert MarginCall.objects.filter(account=eth_long).count() == 1
    assert any(f"1 margin call(s) (#{eth_long.pk})" in m for m in messages_of(response))


def test_set_a_price_rejects_bad_input_beside_the_field_and_changes_nothing(staff, eth_long):
    eth = Pair.objects.get(symbol="ETHUSDT")

    off_tick = act(staff, "trading.pair", "set_price", [eth.pk], price="3000.001", apply="1")
    junk = act(staff, "trading.pair", "set_price", [eth.pk], price="cheap", apply="1")
    two = act(staff, "trading.pair", "set_price", list(Pair.objects.values_list("pk", flat=True)[:2]), apply="1")

    assert "Filter failure: PRICE_FILTER" in off_tick.context["form"].errors["price"]
    assert junk.context["form"].errors["price"] == ["Price must be a decimal number."]
    assert "Choose exactly one pair to set its price." in messages_of(two)
    assert MarkPrice.objects.get(pair=eth).price == Decimal("3500")


def test_shock_a_pair_liquidates_and_leaves_the_cross_account_alone(staff, alice, eth_long):
    eth = Pair.objects.get(symbol="ETHUSDT")
    cross_before = (bal(cross(alice), "USDT").free, bal(cross(alice), "USDT").borrowed)

    response = act(staff, "trading.pair", "shock_price", [eth.pk], percent="-30", apply="1")

    assert MarkPrice.objects.get(pair=eth).price == Decimal("2450.00")
    liquidation = Liquidation.objects.get(account=eth_long)
    assert any("1 liquidation(s)" in m for m in messages_of(response))
    assert (bal(cross(alice), "USDT").free, bal(cross(alice), "USDT").borrowed) == cross_before
    detail = staff.get(reverse("admin:risk_liquidation_change", args=[liquidation.pk]))
    assert "was liquidated: its margin level" in detail.content.decode()
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("tick", "price", "percent", "shocked"),
    [
        ("0.1", "370.9", "5", "389.4"),  # 389.445 -> 389.4
        ("0.1", "370.9", "5.01", "389.5"),  # 389.48209 -> 389.5: the reported "389.48800000" case
        ("0.01", "3500.00", "-12.345", "3067.93"),  # 3067.925 -> 3067.93 (half away from zero)
        ("1", "95001", "-7.77", "87619"),  # 87619.4223 -> 87619 on a tick of 1
        ("1", "3", "-99.99", "1"),  # never below one tick
    ],
)
def test_a_shock_lands_on_the_pair_tick(staff, eth_long, tick, price, percent, shocked):
    eth = Pair.objects.get(symbol="ETHUSDT")
    Pair.objects.filter(pk=eth.pk).update(tick_size=Decimal(tick))
    MarkPrice.objects.filter(pair=eth).update(price=Decimal(price))

    act(staff, "trading.pair", "shock_price", [eth.pk], percent=percent, apply="1")

    assert MarkPrice.objects.get(pair=eth).price == Decimal(shocked)


@pytest.mark.parametrize("percent", ["0", "-100", "abc", "1e9"])
def test_a_bad_shock_is_refused_beside_the_field(staff, eth_long, percent):
    eth = Pair.objects.get(symbol="ETHUSDT")

    response = act(staff, "trading.pair", "shock_price", [eth.pk], percent=percent, apply="1")

    assert response.context["form"].errors["percent"]
    assert MarkPrice.objects.get(pair=eth).price == Decimal("3500")


def test_nearest_to_liquidation_lists_live_levels_lowest_first(staff, alice, bob, eth_long, set_prices):
    from trading.services.loans import loan_borrow

    set_prices(ETHUSDT=margin_call_price(eth_long))  # no sweep: the list is live, not the engine's last word
    transfer = {"from_account_id": spot(bob).pk, "to_account_id": cross(bob).pk, "asset": "USDT", "amount": "1000"}
    from trading.services.transfers import transfer_create

    transfer_create(user=bob, **transfer)
    loan_borrow(user=bob, account_id=cross(bob).pk, asset="USDT", amount="100")

    response = staff.get(reverse("admin:risk_nearest"))

    rows = response.context["rows"]
    assert [r.account.pk for r in rows] == [eth_long.pk, cross(bob).pk]
    assert rows[0].level.status == "MARGIN_CALL"
    assert rows[0].level.level < rows[1].level.level
    assert f'data-account-id="{eth_long.pk}"' in response.content.decode()


def test_run_a_sweep_now(staff, eth_long, set_prices):
    set_prices(ETHUSDT=margin_call_price(eth_long))

    response = staff.post(reverse("admin:risk_sweep"), follow=True)

    assert MarginCall.objects.filter(account=eth_long).count() == 1
    assert any(m.startswith("Sweep done:") for m in messages_of(response))
    assert staff.get(reverse("admin:risk_sweep")).status_code == 405


def test_freeze_and_unfreeze_ask_first(staff, alice, eth_long):
    asked = act(staff, "trading.account", "freeze", [eth_long.pk, cross(alice).pk])
    assert "Freeze these accounts?" in asked.content.decode() and not Account.objects.filter(is_frozen=True).exists()

    act(staff, "trading.account", "freeze", [eth_long.pk, cross(alice).pk], apply="1")
    assert set(Account.objects.filter(is_frozen=True).values_list("pk", flat=True)) == {eth_long.pk, cross(alice).pk}

    act(staff, "trading.account", "unfreeze", [cross(alice).pk], apply="1")
    question = staff.post(reverse("admin:risk_freeze", args=[eth_long.pk]), {"frozen": "0"})
    assert f"Unfreeze account #{eth_long.pk}?" in question.content.decode()
    assert Account.objects.get(pk=eth_long.pk).is_frozen
    staff.post(reverse("admin:risk_freeze", args=[eth_long.pk]), {"frozen": "0", "confirm": "1"})

    assert not Account.objects.filter(is_frozen=True).exists()


def test_the_front_page_lists_the_accounts_nearest_to_liquidation(staff, alice, eth_long):
    html = staff.get(reverse("admin:index")).content.decode()

    assert '<table id="nearest-front"' in html
    assert f'<tr data-account-id="{eth_long.pk}">' in html  # the only account with debt


def test_platform_settings_refuse_a_negative_fee_beside_the_field_and_show_plain_decimals(staff):
    from trading.models import PlatformSettings

    url = reverse("admin:trading_platformsettings_change", args=[1])
    page = staff.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data["taker_fee"] = "-0.001"

    refused = staff.post(url, {k: "" if v is None else v for k, v in data.items()})

    assert 'value="0"' in page.content.decode() and "0E-8" not in page.content.decode()  # max fill notional
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert errors["taker_fee"] == ["Must be a fraction from 0 up to (not including) 1, e.g. 0.001 = 0.1 %."]
    assert "platform_settings_sane" not in refused.content.decode()
    assert PlatformSettings.objects.get().taker_fee >= 0


def test_the_risk_profile_form_has_narrow_number_boxes(staff):
    from trading.models import RiskProfile

    html = staff.get(
        reverse("admin:trading_riskprofile_change", args=[RiskProfile.objects.first().pk])
    ).content.decode()

    assert 'size="10"' in html and 'inputmode="decimal"' in html
    assert 'cols="60"' in html  # the description no longer spans the page


def test_credit_paper_funds_through_the_ledger(staff, alice, eth_long):
    entries = JournalEntry.objects.count()

    refused = act(staff, "trading.account", "credit_paper_funds", [eth_long.pk], asset="BTC", amount="1", apply="1")
    junk = act(staff, "trading.account", "credit_paper_funds", [spot(alice).pk], asset="USDT", amount="-5", apply="1")
    assert "BTC cannot be held in the ETHUSDT isolated account." in refused.context["form"].non_field_errors()
    assert junk.context["form"].errors["amount"] == ["Amount must be greater than zero."]
    assert JournalEntry.objects.count() == entries

    act(staff, "trading.account", "credit_paper_funds", [spot(alice).pk], asset="USDT", amount="500", apply="1")

    assert bal(spot(alice), "USDT").free == Decimal("8500")
    assert JournalEntry.objects.latest("id").kind == JournalEntry.Kind.FUNDING
    assert_ledger_clean()


def test_risk_pages_are_for_staff_only(client, alice, eth_long):
    client.force_login(alice)

    for url in (reverse("admin:risk_nearest"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url
    assert client.post(reverse("admin:risk_sweep")).status_code == 302
    assert MarginCall.objects.count() == 0


def test_admin_front_page_leads_to_the_levers(staff, eth_long):
    html = staff.get(reverse("admin:index")).content.decode()

    assert reverse("admin:risk_nearest") in html
    assert reverse("admin:risk_sweep") in html
    assert reverse("admin:trading_riskprofile_changelist") in html
