"""Another user's ids in a URL are a 404, on every page, fragment and form; every form carries a CSRF token
and every POST without one is refused."""

import re

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.services import token_create
from tests.helpers import amounts, cross, spot
from trading.models import JournalEntry, Order
from trading.services.orders import order_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs(bob, set_prices):
    """bob's spot wallet, cross account, an open order, a notification and an API token."""
    set_prices(ETHUSDT=3500)
    order = order_place(
        user=bob, account_id=spot(bob).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="3000"
    )
    note = Notification.objects.create(user=bob, kind="info", title="hello bob", account_ref=spot(bob).pk)
    token, _ = token_create(user=bob, name="bob's bot")
    return {"spot": spot(bob), "cross": cross(bob), "order": order, "note": note, "token": token}


def account_urls(account_id: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("account", args=[account_id])),
        ("get", reverse("account-live", args=[account_id])),
        ("get", reverse("account-risk", args=[account_id])),
        ("get", reverse("account-levels", args=[account_id])),
        ("get", reverse("account-max", args=[account_id, "borrow"])),
        ("get", reverse("account-max", args=[account_id, "transfer"])),
        ("post", reverse("account-order", args=[account_id])),
        ("post", reverse("account-cancel-all", args=[account_id])),
        ("post", reverse("account-transfer", args=[account_id])),
        ("post", reverse("account-borrow", args=[account_id])),
        ("post", reverse("account-repay", args=[account_id])),
        ("post", reverse("account-leverage", args=[account_id])),
        ("post", reverse("account-reset", args=[account_id])),
    ]


def test_another_users_account_is_404_everywhere_and_nothing_changes(client, alice, bobs):
    client.force_login(alice)
    entries, before = JournalEntry.objects.count(), amounts(bobs["spot"], "USDT")

    for method, url in account_urls(bobs["cross"].pk) + account_urls(bobs["spot"].pk):
        response = getattr(client, method)(url, {"ticket-mode": "cross", "ticket-symbol": "ETHUSDT"})
        assert response.status_code == 404, (method, url)
    assert client.post(reverse("order-cancel", args=[bobs["order"].pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[bobs["note"].pk])).status_code == 404
    assert client.post(reverse("token-revoke", args=[bobs["token"].pk])).status_code == 404

    assert JournalEntry.objects.count() == entries
    assert amounts(bobs["spot"], "USDT") == before
    assert Order.objects.get(pk=bobs["order"].pk).status == Order.Status.NEW
    assert Notification.objects.get(pk=bobs["note"].pk).read_at is None
    assert bobs["token"].__class__.objects.filter(pk=bobs["token"].pk).exists()


def test_the_404_page_is_the_sites_own(client, alice, bobs):
    client.force_login(alice)

    response = client.get(reverse("account", args=[bobs["cross"].pk]))

    assert response.status_code == 404
    assert "not yours to see" in response.content.decode()


def test_a_system_account_or_a_huge_id_is_404(client, alice, platform):
    from trading.models import Account

    client.force_login(alice)
    system = Account.objects.filter(kind="system").first()

    assert client.get(reverse("account", args=[system.pk])).status_code == 404
    assert client.get("/accounts/999999999999999999/").status_code == 404
    assert client.get("/accounts/9999999999999999999999/").status_code == 404


def test_a_transfer_to_another_users_account_is_refused(client, alice, bobs):
    client.force_login(alice)

    response = client.post(
        reverse("account-transfer", args=[cross(alice).pk]),
        {"transfer-from_account": spot(alice).pk, "transfer-to_account": bobs["cross"].pk, "transfer-asset": "USDT",
         "transfer-amount": "10"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Select a valid choice" in " ".join(response.context["transfer_form"].errors["to_account"])
    assert amounts(bobs["cross"], "USDT") == (0, 0, 0, 0)


def post_urls(alice, bobs) -> list[str]:
    own = cross(alice).pk
    order = order_place(
        user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="3000"
    )
    note = Notification.objects.create(user=alice, kind="info", title="hi")
    token, _ = token_create(user=alice, name="mine")
    return [
        reverse("logout"),
        reverse("password_change"),
        reverse("isolated-open"),
        reverse("order-cancel", args=[order.pk]),
        reverse("notification-read", args=[note.pk]),
        reverse("notifications-read-all"),
        reverse("tokens"),
        reverse("token-revoke", args=[token.pk]),
        *[url for method, url in account_urls(own) if method == "post"],
    ]


def test_every_form_post_without_a_csrf_token_is_refused(csrf_client, alice, bobs):
    csrf_client.force_login(alice)
    urls = post_urls(alice, bobs)
    entries = JournalEntry.objects.count()

    for url in urls:
        response = csrf_client.post(url, {"ticket-mode": "cross", "ticket-symbol": "ETHUSDT"})
        assert response.status_code == 403, url

    assert JournalEntry.objects.count() == entries
    assert csrf_client.session.get("_auth_user_id") == str(alice.pk)


FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.S)


@pytest.mark.parametrize(
    "page", ["dashboard", "account-cross", "account-spot", "tokens", "notifications", "markets", "password_change"]
)
def test_every_post_form_on_every_page_carries_a_csrf_token(alice_client, alice, eth_long, page):
    Notification.objects.create(user=alice, kind="margin_call", title="call", account_ref=cross(alice).pk)
    order_place(
        user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1",
        price="3000", side_effect="MARGIN_BUY",
    )  # fmt: skip
    token_create(user=alice, name="bot")
    url = {
        "account-cross": reverse("account", args=[cross(alice).pk]),
        "account-spot": reverse("account", args=[spot(alice).pk]),
    }.get(page) or reverse(page)

    html = alice_client.get(url).content.decode()

    forms = re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S)
    assert forms, "the page has forms"
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form, form[:200]
