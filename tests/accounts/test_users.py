"""accounts/services.py user_create and accounts/models.py: one set of username and password rules, usernames
unique without regard to case, sign-in that ignores case. The API and web doors are tested beside their
other tests (tests/api/test_trading_market_apis.py, tests/web/test_auth_pages.py)."""

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.auth import axes_username
from accounts.models import User
from accounts.services import user_create
from core.errors import ApplicationError, Conflict
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "The password cannot be only spaces."),
        ("\t \u3000 \n" * 4, "The password cannot be only spaces."),
        ("x" * 4097, "The password is too long: at most 4096 characters."),
        ("password", "This password is too common."),
    ],
)
def test_a_bad_password_is_refused(password, message):
    with pytest.raises(ApplicationError) as info:
        user_create(username="dora", password=password)

    assert message in info.value.fields["password"]
    assert not User.objects.exists()


def test_a_password_of_4096_characters_with_spaces_inside_is_fine():
    user = user_create(username="dora", password="  a long passphrase  " + "x" * 4075)

    assert user.check_password("  a long passphrase  " + "x" * 4075)


@pytest.mark.parametrize(
    "username",
    [
        "dor\u0430",  # a Cyrillic а
        "ďora",
        "dora!",
        "do ra",
        "",
        "x" * 151,
        "nul\x00",
    ],
)
def test_a_username_outside_ascii_letters_digits_and_at_dot_plus_dash_underscore_is_refused(username):
    with pytest.raises(ApplicationError) as info:
        user_create(username=username, password=PASSWORD)

    assert "ASCII letters, digits and @ . + - _ only" in info.value.fields["username"][0]


@pytest.mark.parametrize("other", ["BAD_x", "Bad_X", "  bad_x ", "\uff42\uff41\uff44_x"])  # the last: full-width
def test_usernames_that_differ_only_by_case_or_width_are_taken(other):
    user_create(username="bad_x", password=PASSWORD)

    with pytest.raises(Conflict) as info:
        user_create(username=other, password=PASSWORD)

    assert info.value.fields == {"username": ["That username is taken."]}
    assert User.objects.count() == 1


def test_the_username_keeps_its_case_and_is_nfkc_folded():
    assert user_create(username="Dora_Explorer", password=PASSWORD).username == "Dora_Explorer"
    assert user_create(username="\uff24\uff4f\uff52\uff41", password=PASSWORD).username == "Dora"  # full-width


def test_the_database_refuses_a_second_user_differing_only_by_case():
    User.objects.create_user(username="dora", password=PASSWORD)

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="DORA", password=PASSWORD)


def test_sign_in_ignores_case_and_width_but_not_the_password(rf):
    user = user_create(username="Dora", password=PASSWORD)

    def authenticate(**credentials):  # django-axes' backend needs the request
        return django_authenticate(rf.post("/login/"), **credentials)

    assert authenticate(username="Dora", password=PASSWORD) == user
    assert authenticate(username="dORA", password=PASSWORD) == user
    assert authenticate(username="\uff44\uff4f\uff52\uff41", password=PASSWORD) == user
    assert authenticate(username="dora", password="wrong-" + PASSWORD) is None
    assert authenticate(username="dor\u0430", password=PASSWORD) is None


def test_axes_counts_failures_of_every_spelling_of_a_username_together():
    assert axes_username(None, {"username": "Alice"}) == axes_username(None, {"username": "ALICE "}) == "alice"
    assert axes_username(None, {"username": 5}) is None


def test_forms_validating_the_model_say_the_username_is_taken():
    # The admin's user forms validate the model's constraints: a case variant is refused in words.
    User.objects.create_user(username="dora", password=PASSWORD)

    with pytest.raises(ValidationError, match="A user with that username already exists."):
        User(username="DORA").validate_constraints()
