"""The class pages: the instructor's controls, board and CSV; a member's own accounts and rank only; the
join link; anyone else 404."""

import csv
import io

import pytest
from django.urls import reverse

from classrooms.models import Membership, ScenarioRun
from tests.classrooms.helpers import seed_positions


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_instructor_page_has_the_controls_and_the_live_board(client, dana, members):
    seed_positions(*members)
    classroom = members[0].classroom
    page = signed_in(client, dana).get(reverse("class", args=[classroom.pk])).content.decode()
    assert classroom.join_code in page and "Pause" in page and "seed-eth-bch" in page
    board = client.get(
        reverse("class-board", args=[classroom.pk]), {"sort": "student", "order": "desc"}
    ).content.decode()
    assert 'hx-trigger="every 5s"' in board
    assert board.index("frank") < board.index("erin")


def test_the_board_csv_is_the_instructors(client, dana, erin, members):
    classroom = members[0].classroom
    response = signed_in(client, dana).get(reverse("class-board-csv", args=[classroom.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["rank_by_return", "rank_by_drawdown", "student"]
    assert sorted(r[2] for r in rows[1:]) == ["erin", "frank"]
    client.logout()
    assert signed_in(client, erin).get(reverse("class-board-csv", args=[classroom.pk])).status_code == 404


def test_a_member_sees_their_accounts_and_rank_not_the_others(client, erin, members):
    classroom = members[0].classroom
    page = signed_in(client, erin).get(reverse("class", args=[classroom.pk])).content.decode()
    assert "Your class accounts" in page and classroom.join_code not in page
    board = client.get(reverse("class-board", args=[classroom.pk])).content.decode()
    assert 'id="my-rank"' in board and "frank" not in board


def test_another_instructor_or_a_stranger_gets_404(client, gina, alice, members):
    classroom = members[0].classroom
    for user in (gina, alice):
        signed_in(client, user)
        for name in ("class", "class-board", "class-board-csv"):
            assert client.get(reverse(name, args=[classroom.pk])).status_code == 404
        client.post(reverse("class-scenario", args=[classroom.pk, "start"]), {"scenario": "seed-eth-bch"})
        client.logout()
    assert not ScenarioRun.objects.exists()


def test_a_member_posting_the_start_form_is_refused(client, erin, members):
    classroom = members[0].classroom
    signed_in(client, erin).post(reverse("class-scenario", args=[classroom.pk, "start"]), {"scenario": "seed-eth-bch"})
    assert not ScenarioRun.objects.exists()


def test_the_join_link_asks_first(client, erin, classroom):
    url = reverse("class-join-link", args=[classroom.join_code])
    assert classroom.join_code in signed_in(client, erin).get(url).content.decode()
    assert not Membership.objects.exists()
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(student=erin, classroom=classroom).exists()


@pytest.mark.parametrize("action", ["order", "transfer", "isolated"])
def test_the_member_forms_refuse_junk_in_words(client, erin, members, action):
    classroom = members[0].classroom
    response = signed_in(client, erin).post(
        reverse("class-trade", args=[classroom.pk, action]),
        {"account": "x", "symbol": "NOPE", "amount": "1e3"},
        follow=True,
    )
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_an_instructor_creates_a_class_from_the_page(client, dana, day_n):
    response = signed_in(client, dana).post(
        reverse("classes"), {"action": "create", "name": "Web class", "starting_balance": "500", "symbols": ["ETHUSDT"]}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_a_member_makes_a_class_key_on_the_web_and_sees_its_secret_once(client, erin, dana, alice, members):
    from accounts.models import ApiKey

    classroom = members[0].classroom
    url = reverse("class-api-keys", args=[classroom.pk])
    assert (
        reverse("class-api-keys", args=[classroom.pk])
        in signed_in(client, erin).get(reverse("class", args=[classroom.pk])).content.decode()
    )
    made = client.post(url, {"label": "grid bot", "can_trade": "on"})
    assert made.status_code == 200
    key = ApiKey.objects.get(label="grid bot")
    assert key.user == members[0].holder and key.can_trade and key.market_ref == classroom.market_id
    assert key.api_key in made.content.decode() and "data-secret" in made.content.decode()
    listed = client.get(url).content.decode()
    assert "grid bot" in listed and "data-secret" not in listed
    assert client.post(url, {"label": "x" * 65}).status_code == 400
    client.logout()
    assert signed_in(client, alice).get(url).status_code == 404
    assert client.post(reverse("class-api-key-revoke", args=[classroom.pk, key.pk])).status_code == 404
    client.logout()
    assert signed_in(client, dana).get(url).status_code == 403
    client.logout()
    revoked = signed_in(client, erin).post(reverse("class-api-key-revoke", args=[classroom.pk, key.pk]))
    assert revoked.status_code == 302 and not ApiKey.objects.filter(pk=key.pk).exists()
