"""From the class board to a liquidation's explained replay: one click on the board, and the replay itself
(risk.replay, GET /api/v1/liquidations/{id}/replay) open to the student whose account it was and to their
class's instructor, to no other student and no other instructor."""

from django.urls import reverse

from classrooms.services.scenarios import class_price_set
from risk.models import Liquidation, MarginCall
from risk.staff import price_set_now
from tests.api.api_helpers import API, assert_error, ok
from tests.api.conftest import client_for
from tests.classrooms.test_class_rules import cross_5x_long
from tests.helpers import cross, spot
from trading.services.accounts import account_leverage_set
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def liquidated(members, dana):
    erin_m, _ = members
    cross = cross_5x_long(erin_m)
    # ETH 130: a margin call (level 650 / 600 under 1.1, the class's classic line); ETH 100: liquidated.
    class_price_set(user=dana, classroom_id=erin_m.classroom_id, symbol="ETHUSDT", price="130")
    class_price_set(user=dana, classroom_id=erin_m.classroom_id, symbol="ETHUSDT", price="100")
    return Liquidation.objects.get(account=cross)


def test_the_board_links_each_liquidation_to_its_replay(client, members, dana, erin):
    liquidation = liquidated(members, dana)
    classroom_id = members[0].classroom_id
    rows = ok(client_for(dana).get(f"{API}/classes/{classroom_id}/board"))["results"]
    erin_row = next(r for r in rows if r["student"] == "erin")
    frank_row = next(r for r in rows if r["student"] == "frank")
    assert (erin_row["liquidations"], erin_row["liquidation_ids"]) == (1, [liquidation.pk])
    assert frank_row["liquidation_ids"] == []
    replay_url = reverse("liquidation-replay", args=[liquidation.pk])
    client.force_login(dana)
    board = client.get(reverse("class-board", args=[classroom_id])).content.decode()
    assert f'href="{replay_url}"' in board
    page = client.get(replay_url)
    assert page.status_code == 200 and "liquidation" in page.content.decode().lower()
    client.force_login(erin)
    own = client.get(reverse("class-board", args=[classroom_id])).content.decode()
    assert f'href="{replay_url}"' in own  # the member's own rank line links their own
    assert client.get(replay_url).status_code == 200


def test_only_the_student_and_their_instructor_replay_a_class_liquidation(members, dana, erin, frank, gina, alice):
    liquidation = liquidated(members, dana)
    path = f"{API}/liquidations/{liquidation.pk}/replay"
    for user in (erin, dana):
        replay = ok(client_for(user).get(path))
        assert replay["kind"] == "liquidation" and replay["rule"]["line"] == "1.05"
    for user in (frank, gina, alice):  # a classmate, another class's instructor, a stranger
        assert_error(client_for(user).get(path), 404)
    call = MarginCall.objects.get(account=liquidation.account)
    ok(client_for(dana).get(f"{API}/margin-calls/{call.pk}/replay"))
    ok(client_for(erin).get(f"{API}/margin-calls/{call.pk}/replay"))
    assert_error(client_for(frank).get(f"{API}/margin-calls/{call.pk}/replay"), 404)


def test_an_instructor_replays_nothing_personal_of_a_student(members, dana, erin):
    """A student's personal liquidation is theirs alone: a class grants its instructor the class accounts only."""
    account = cross(erin)
    account_leverage_set(user=erin, account_id=account.pk, leverage=5)
    transfer_create(user=erin, from_account_id=spot(erin).pk, to_account_id=account.pk, asset="USDT", amount="400")
    order_place(
        user=erin,
        account_id=account.pk,
        symbol="ETHUSDT",
        side="BUY",
        type="MARKET",
        quantity="5",
        side_effect="MARGIN_BUY",
    )
    price_set_now(symbol="ETHUSDT", price="100")  # the main market's price: the personal account is liquidated
    personal = Liquidation.objects.get(account=account)
    ok(client_for(erin).get(f"{API}/liquidations/{personal.pk}/replay"))
    assert_error(client_for(dana).get(f"{API}/liquidations/{personal.pk}/replay"), 404)
