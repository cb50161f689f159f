"""The account page: what it shows, and its forms (order ticket with the Cross/Isolated switch, transfer,
borrow, repay, leverage, reset), which put a service's refusal next to the field and change nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.helpers import UNIT, amounts, assert_ledger_clean, bal, cross, cross_owing, spot
from trading.models import Account, JournalEntry, Order
from trading.services.orders import order_place
from trading.templatetags.marginlab import amount

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


def field_errors(response, form_name: str, field: str) -> list[str]:
    return list(response.context[form_name].errors.get(field, []))


def test_account_page_shows_balances_positions_with_entry_mark_pnl_and_liquidation_price(alice_client, eth_long):
    response = alice_client.get(reverse("account", args=[eth_long.pk]))

    assert response.status_code == 200
    html = html_of(response)
    assert "Isolated ETHUSDT" in html
    (position,) = response.context["positions"]
    assert position.asset == "ETH" and position.side == "LONG"
    assert position.entry_price == Decimal("3501.75")  # the mark moved 5 bps against the taker
    assert position.liquidation_price is not None
    assert '<tr data-asset="ETH">' in html
    for shown in ("3,501.75", "3,500.00", f"{position.liquidation_price.quantize(Decimal('0.01')):,}"):
        assert shown in html
    assert "MARGIN_BUY" in html  # the ticket offers every side effect
    for order_type in ("MARKET", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", "OCO"):
        assert f'value="{order_type}"' in html


def test_account_page_shows_the_maximum_beside_the_money_forms(alice_client, alice, eth_long):
    response = alice_client.get(reverse("account", args=[eth_long.pk]))

    maxima = response.context["maxima"]
    from trading.services.loans import max_borrowable_get

    assert maxima["borrow"]["value"] == max_borrowable_get(user=alice, account_id=eth_long.pk, asset="USDT")
    assert maxima["repay"]["value"] == Decimal(0)  # no USDT free in the account to repay with
    assert maxima["transfer"]["value"] == Decimal("8000")  # from the spot wallet, all of its USDT
    assert 'id="max-borrow"' in html_of(response)


def test_max_hint_follows_the_chosen_asset_and_source(alice_client, alice, eth_long):
    url = reverse("account-max", args=[eth_long.pk, "transfer"])

    from_cross = alice_client.get(url, {"prefix": "transfer", "transfer-from_account": cross(alice).pk})
    eth_out = alice_client.get(
        url, {"prefix": "transfer", "transfer-from_account": eth_long.pk, "transfer-asset": "ETH"}
    )

    assert from_cross.status_code == 200
    assert from_cross.context["hint"]["value"] == Decimal("1000")
    # Out of the indebted isolated account only what keeps its level at 2.0: less than the ETH it holds.
    assert eth_out.context["hint"]["value"] < bal(eth_long, "ETH").free


def test_margin_buy_through_the_isolated_switch_from_the_cross_page(alice_client, alice, eth_long):
    response = alice_client.post(
        reverse("account-order", args=[cross(alice).pk]),
        {
            "ticket-mode": "isolated",
            "ticket-symbol": "ETHUSDT",
            "ticket-side": "BUY",
            "ticket-type": "MARKET",
            "ticket-side_effect": "MARGIN_BUY",
            "ticket-quantity": "0.05",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("account", args=[cross(alice).pk])
    order = Order.objects.filter(account__user=alice).latest("id")
    assert order.account_id == eth_long.pk  # the switch, not the page, chose the account
    assert order.status == Order.Status.FILLED
    assert amounts(cross(alice), "ETH") == (0, 0, 0, 0)


def test_cross_switch_places_the_order_in_the_cross_account(alice_client, alice, eth_long):
    response = alice_client.post(
        reverse("account-order", args=[eth_long.pk]),
        {
            "ticket-mode": "cross",
            "ticket-symbol": "ETHUSDT",
            "ticket-side": "BUY",
            "ticket-type": "LIMIT",
            "ticket-quantity": "0.1",
            "ticket-price": "3000",
        },
    )

    assert response.status_code == 302
    order = Order.objects.filter(account__user=alice).latest("id")
    assert (order.account_id, order.status, order.type) == (cross(alice).pk, Order.Status.NEW, "LIMIT")
    assert bal(cross(alice), "USDT").locked == Decimal("300")


def test_isolated_switch_without_an_isolated_account_says_so_beside_the_switch(alice_client, alice, eth_long):
    before = Order.objects.count()

    response = alice_client.post(
        reverse("account-order", args=[cross(alice).pk]),
        {"ticket-mode": "isolated", "ticket-symbol": "BTCUSDT", "ticket-side": "BUY", "ticket-type": "MARKET",
         "ticket-quantity": "0.001"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "no isolated BTCUSDT account" in field_errors(response, "ticket_form", "mode")[0]
    assert Order.objects.count() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"ticket-quantity": "abc"}, "quantity", "Quantity must be a decimal number."),
        ({"ticket-quantity": "-1"}, "quantity", "Quantity must be greater than zero."),
        (
            {"ticket-quantity": "0.00001"},
            "quantity",
            "Quantities of ETH move in steps of 0.0001; the smallest is 0.0001 ETH.",
        ),
        ({"ticket-quantity": "0.1", "ticket-price": "3500"}, "price", "Not used by this order type."),
        ({"ticket-type": "LIMIT", "ticket-quantity": "0.1"}, "price", "This field is required."),
        (
            {"ticket-type": "LIMIT", "ticket-quantity": "0.1", "ticket-price": "3000.001"},
            "price",
            "Prices of ETHUSDT move in steps of 0.01 USDT.",
        ),
        (
            {"ticket-type": "LIMIT", "ticket-quantity": "0.001", "ticket-price": "3000"},
            "quantity",
            "The smallest order is 5 USDT (quantity × price).",
        ),
        ({}, "quantity", "Enter one amount: a quantity in ETH, or for a market order a total in USDT (not both)."),
        ({"ticket-quantity": "10"}, "quantity", "Not enough USDT: this needs"),
        ({"ticket-symbol": "NOPEUSDT", "ticket-quantity": "0.1"}, "symbol", "Select a valid choice."),
        # Symbols the chart's URL cannot take: re-rendering the page put them there (NoReverseMatch, a 500).
        ({"ticket-symbol": "BTC-USDT", "ticket-quantity": "0.1"}, "symbol", "Select a valid choice."),
        ({"ticket-symbol": "BTCUSDT ", "ticket-quantity": "0.1"}, "symbol", "Select a valid choice."),
        ({"ticket-symbol": "", "ticket-quantity": "0.1"}, "symbol", "This field is required."),
        ({"ticket-symbol": "BTC\x00USDT", "ticket-quantity": "0.1"}, "symbol", "Select a valid choice."),
        # Numbers Decimal() reads but no person means (core.money.parse_decimal).
        ({"ticket-quantity": "1_000"}, "quantity", "Quantity must be a decimal number."),
        ({"ticket-quantity": "\uff11\uff10"}, "quantity", "Quantity must be a decimal number."),
        ({"ticket-quantity": "\u0661\u0660"}, "quantity", "Quantity must be a decimal number."),
        ({"ticket-type": "LIMIT", "ticket-quantity": "0.1", "ticket-price": "3_000"}, "price", "must be a decimal"),
        ({"ticket-mode": "", "ticket-quantity": "0.1"}, "mode", "Choose Cross or Isolated."),
    ],
)
def test_ticket_rejects_bad_input_beside_the_field_and_changes_nothing(
    alice_client, alice, eth_long, data, field, message
):
    entries, orders = JournalEntry.objects.count(), Order.objects.count()
    before = amounts(cross(alice), "USDT")
    post = {"ticket-mode": "cross", "ticket-symbol": "ETHUSDT", "ticket-side": "BUY", "ticket-type": "MARKET"} | data

    response = alice_client.post(reverse("account-order", args=[cross(alice).pk]), post)

    assert response.status_code == 400
    errors = field_errors(response, "ticket_form", field)
    assert any(message in e for e in errors), errors
    # The message is rendered inside the field's own box, right under its input.
    html = html_of(response)
    box = html[html.index(f'data-field="ticket-{field}"') :]
    box = box[: box.index("</div>\n</div>") if "</div>\n</div>" in box else len(box)]
    assert "errorlist" in box
    assert (JournalEntry.objects.count(), Order.objects.count()) == (entries, orders)
    assert amounts(cross(alice), "USDT") == before


def test_ticket_margin_rule_violation_is_shown_and_changes_nothing(alice_client, alice, eth_long):
    entries = JournalEntry.objects.count()

    response = alice_client.post(
        reverse("account-order", args=[eth_long.pk]),
        {"ticket-mode": "isolated", "ticket-symbol": "ETHUSDT", "ticket-side": "BUY", "ticket-type": "MARKET",
         "ticket-side_effect": "MARGIN_BUY", "ticket-quantity": "50"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.context["ticket_form"].errors
    assert JournalEntry.objects.count() == entries


def test_oco_from_the_ticket(alice_client, alice, eth_long):
    response = alice_client.post(
        reverse("account-order", args=[eth_long.pk]),
        {"ticket-mode": "isolated", "ticket-symbol": "ETHUSDT", "ticket-side": "SELL", "ticket-type": "OCO",
         "ticket-quantity": "0.5", "ticket-price": "3800", "ticket-stop_price": "3200",
         "ticket-stop_limit_price": "3190"},
    )  # fmt: skip

    assert response.status_code == 302, response.context["ticket_form"].errors
    legs = Order.objects.filter(account=eth_long, order_list__isnull=False)
    assert sorted(legs.values_list("type", flat=True)) == ["LIMIT_MAKER", "STOP_LOSS_LIMIT"]


def test_open_orders_are_listed_and_cancelled_from_the_page(alice_client, alice, eth_long):
    order = order_place(
        user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1",
        price="3000",
    )  # fmt: skip
    page = alice_client.get(reverse("account", args=[cross(alice).pk]))
    assert f'data-order-id="{order.pk}"' in html_of(page)

    response = alice_client.post(reverse("order-cancel", args=[order.pk]))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELED
    assert bal(cross(alice), "USDT").locked == 0


def test_cancel_all(alice_client, alice, eth_long):
    for price in ("3000", "3100"):
        order_place(
            user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1",
            price=price,
        )  # fmt: skip

    alice_client.post(reverse("account-cancel-all", args=[cross(alice).pk]))

    assert not Order.objects.filter(account=cross(alice), status=Order.Status.NEW).exists()


def test_transfer_form_moves_funds(alice_client, alice, eth_long):
    response = alice_client.post(
        reverse("account-transfer", args=[eth_long.pk]),
        {"transfer-from_account": spot(alice).pk, "transfer-to_account": eth_long.pk, "transfer-asset": "USDT",
         "transfer-amount": "250.5"},
    )  # fmt: skip

    assert response.status_code == 302
    assert bal(spot(alice), "USDT").free == Decimal("7749.5")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Amount must be a decimal number"),
        ("1" * 16, "Amount is too large"),
        ("0.000000001", "decimal places"),
        ("1e400", "Amount must be a decimal number"),
        ("1_000", "Amount must be a decimal number"),
        ("\uff11\uff10", "Amount must be a decimal number"),
        ("\u0661\u0660", "Amount must be a decimal number"),
        ("1000000", "Not enough USDT: this needs 992000 USDT more than is free."),
    ],
)
def test_transfer_form_rejects_bad_amounts_beside_the_field(alice_client, alice, eth_long, amount, message):
    entries = JournalEntry.objects.count()

    response = alice_client.post(
        reverse("account-transfer", args=[eth_long.pk]),
        {"transfer-from_account": spot(alice).pk, "transfer-to_account": eth_long.pk, "transfer-asset": "USDT",
         "transfer-amount": amount},
    )  # fmt: skip

    assert response.status_code == 400
    assert any(message in e for e in field_errors(response, "transfer_form", "amount"))
    assert JournalEntry.objects.count() == entries


def test_transfer_out_of_an_indebted_account_is_capped_by_the_transfer_out_ratio(alice_client, alice, eth_long):
    entries = JournalEntry.objects.count()

    response = alice_client.post(
        reverse("account-transfer", args=[eth_long.pk]),
        {"transfer-from_account": eth_long.pk, "transfer-to_account": spot(alice).pk, "transfer-asset": "ETH",
         "transfer-amount": "0.9"},
    )  # fmt: skip

    assert response.status_code == 400
    assert field_errors(response, "transfer_form", "amount") == ["Too much for the account's debt."]
    assert JournalEntry.objects.count() == entries


def test_borrow_and_repay_forms(alice_client, alice, eth_long):
    borrowed = alice_client.post(
        reverse("account-borrow", args=[cross(alice).pk]), {"borrow-asset": "USDT", "borrow-amount": "100"}
    )
    too_much = alice_client.post(
        reverse("account-borrow", args=[cross(alice).pk]), {"borrow-asset": "USDT", "borrow-amount": "100000"}
    )
    repaid = alice_client.post(
        reverse("account-repay", args=[cross(alice).pk]), {"repay-asset": "USDT", "repay-amount": "50"}
    )

    assert borrowed.status_code == 302 and repaid.status_code == 302
    assert too_much.status_code == 400
    assert field_errors(too_much, "borrow_form", "amount")[0].startswith("At most ")
    balance = bal(cross(alice), "USDT")
    # 100 borrowed with one hour's interest at 0.02 %/day (0.00083333), then 50 repaid, interest first.
    assert balance.borrowed + balance.interest == Decimal("50.00083333")
    assert_ledger_clean()


def test_repay_more_than_owed_is_refused_beside_the_amount(alice_client, alice, eth_long):
    response = alice_client.post(
        reverse("account-repay", args=[eth_long.pk]), {"repay-asset": "ETH", "repay-amount": "1"}
    )

    assert response.status_code == 400
    assert "There is no ETH debt to repay." in [str(e) for e in response.context["repay_form"].non_field_errors()]


def test_leverage_form(alice_client, alice, eth_long):
    response = alice_client.post(reverse("account-leverage", args=[cross(alice).pk]), {"leverage-leverage": "5"})
    refused = alice_client.post(reverse("account-leverage", args=[cross(alice).pk]), {"leverage-leverage": "7"})

    assert response.status_code == 302
    assert Account.objects.get(pk=cross(alice).pk).leverage == 5
    assert refused.status_code == 400
    assert field_errors(refused, "leverage_form", "leverage")


def test_reset_form_restores_the_starting_state(alice_client, alice, eth_long):
    page = html_of(alice_client.get(reverse("account", args=[eth_long.pk])))
    assert "goes back to your spot wallet" in page  # the confirmation says where the money goes
    spot_before = amounts(spot(alice), "USDT")[0]

    response = alice_client.post(reverse("account-reset", args=[eth_long.pk]))

    assert response.status_code == 302
    shown = html_of(alice_client.get(response.url))
    returned = amounts(spot(alice), "USDT")[0] - spot_before
    assert returned > 0
    assert f"{amount(returned)} USDT went back to your spot wallet" in shown
    assert amounts(eth_long, "ETH") == (0, 0, 0, 0)
    assert amounts(eth_long, "USDT") == (0, 0, 0, 0)
    assert_ledger_clean()


def test_open_an_isolated_account_from_the_dashboard(alice_client, alice, platform):
    response = alice_client.post(reverse("isolated-open"), {"isolated-symbol": "BTCUSDT", "isolated-leverage": "10"})
    again = alice_client.post(reverse("isolated-open"), {"isolated-symbol": "BTCUSDT", "isolated-leverage": "10"})

    account = Account.objects.get(user=alice, kind="isolated")
    assert response.status_code == 302 and response.url == reverse("account", args=[account.pk])
    assert (account.pair.symbol, account.leverage) == ("BTCUSDT", 10)
    assert again.status_code == 400
    assert "already enabled" in html_of(again)
    assert Account.objects.filter(user=alice, kind="isolated").count() == 1


def test_frozen_account_refuses_orders_with_a_message(alice_client, alice, eth_long):
    from trading.services.staff import account_freeze_set

    account_freeze_set(account_id=eth_long.pk, frozen=True)

    response = alice_client.post(
        reverse("account-order", args=[eth_long.pk]),
        {"ticket-mode": "isolated", "ticket-symbol": "ETHUSDT", "ticket-side": "SELL", "ticket-type": "MARKET",
         "ticket-quantity": "0.1"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "The account is frozen." in html_of(response)
    assert "FROZEN" in html_of(response)


@pytest.mark.parametrize(
    ("kind", "view", "refusal"),
    [
        ("borrow", "account-borrow", "At most {most}."),
        ("repay", "account-repay", "At most {most}."),
        ("transfer", "account-transfer", "Too much for the account's debt."),
    ],
)
def test_each_maximum_shown_is_accepted_and_one_unit_more_refused(alice_client, alice, kind, view, refusal):
    account = cross_owing(alice)  # owes interest for due hours not yet charged, which the maxima count
    fields = {"from_account": account.pk, "to_account": spot(alice).pk} if kind == "transfer" else {}
    hint = alice_client.get(reverse("account-max", args=[account.pk, kind]), {f"{kind}-asset": "USDT"})
    most = hint.context["hint"]["value"]
    assert most > 0
    form = {f"{kind}-asset": "USDT", **{f"{kind}-{name}": value for name, value in fields.items()}}

    too_much = alice_client.post(reverse(view, args=[account.pk]), form | {f"{kind}-amount": str(most + UNIT)})
    assert too_much.status_code == 400
    assert field_errors(too_much, f"{kind}_form", "amount") == [refusal.format(most=most)]
    done = alice_client.post(reverse(view, args=[account.pk]), form | {f"{kind}-amount": str(most)})
    assert done.status_code == 302, html_of(done)


def _ticket_max(client, account, **values) -> Decimal:
    params = {f"ticket-{k}": v for k, v in values.items()}
    html = html_of(client.get(reverse("account-max", args=[account.pk, "ticket"]), params, HTTP_HX_REQUEST="true"))
    return Decimal(html.split('data-value="')[1].split('"')[0])


@pytest.mark.parametrize(
    ("side", "side_effect"),
    [("BUY", "NO_SIDE_EFFECT"), ("BUY", "MARGIN_BUY"), ("SELL", "MARGIN_BUY"), ("BUY", "AUTO_REPAY")],
)
def test_ticket_shows_the_max_it_accepts_and_refuses_one_step_more(alice_client, alice, eth_long, side, side_effect):
    values = {"mode": "cross", "symbol": "ETHUSDT", "side": side, "type": "MARKET", "side_effect": side_effect}
    shown = _ticket_max(alice_client, cross(alice), **values)
    page = html_of(alice_client.get(reverse("account", args=[cross(alice).pk])))
    assert 'id="max-ticket"' in page and "Max buy" in page  # the ticket's own max, beside the quantity
    assert shown > 0 and shown % Decimal("0.0001") == 0
    post = {f"ticket-{k}": v for k, v in values.items()}
    url = reverse("account-order", args=[cross(alice).pk])

    more = alice_client.post(url, post | {"ticket-quantity": f"{shown + Decimal('0.0001')}"})
    taken = alice_client.post(url, post | {"ticket-quantity": f"{shown}"})

    assert more.status_code == 400
    assert taken.status_code == 302
    assert_ledger_clean()


def test_ticket_max_in_the_spot_wallet_is_what_the_usdt_buys(alice_client, alice, eth_long):
    shown = _ticket_max(alice_client, spot(alice), symbol="ETHUSDT", side="BUY", type="LIMIT", price="2000")
    assert shown == Decimal("4.0000")  # 8000 USDT free at 2000
    assert _ticket_max(alice_client, spot(alice), symbol="ETHUSDT", side="SELL", type="MARKET") == 0


def test_account_page_shows_amounts_at_the_assets_precision_with_the_exact_figure_on_hover(alice_client, eth_long):
    html = html_of(alice_client.get(reverse("account", args=[eth_long.pk])))
    eth = bal(eth_long, "ETH")

    assert f'<span class="num" title="{eth.free.normalize():f}">' in html
    assert "0.99900000" not in html and f"{eth.free:f}" not in html  # no raw eight-decimal amounts
    assert '<span class="num" title="3501.75">3,501.75</span>' in html  # the entry price at the tick


@pytest.mark.parametrize("name", ["account-order", "account-transfer", "account-borrow", "account-reset"])
def test_opening_a_forms_address_goes_back_to_the_account_page(alice_client, alice, name):
    account = cross(alice)

    response = alice_client.get(reverse(name, args=[account.pk]))
    other = alice_client.put(reverse(name, args=[account.pk]))

    assert response.status_code == 302 and response.url == reverse("account", args=[account.pk])
    assert other.status_code == 405


def test_a_frozen_accounts_forms_are_disabled_with_a_notice(alice_client, alice):
    from trading.services.staff import account_freeze_set

    account = cross(alice)
    assert 'id="frozen-notice"' not in html_of(alice_client.get(reverse("account", args=[account.pk])))
    account_freeze_set(account_id=account.pk, frozen=True)

    html = html_of(alice_client.get(reverse("account", args=[account.pk])))

    assert 'id="frozen-notice"' in html and "This account is frozen." in html
    assert html.count('<fieldset class="form-body" disabled>') == 6  # ticket, transfer, borrow, repay, leverage, reset
