from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.usernames import username_normalize


class UserManager(DjangoUserManager):
    def get_by_natural_key(self, username):
        """Sign-in is case-insensitive (and NFKC-folded, as sign-up is): "Alice" signs in as alice. The
        case-insensitive unique constraint below makes this match one user at most; Lower() on both sides
        lets PostgreSQL use that constraint's index."""
        if not isinstance(username, str):
            raise self.model.DoesNotExist
        return self.alias(username_folded=Lower("username")).get(
            username_folded=Lower(models.Value(username_normalize(username)))
        )


class User(AbstractUser):
    """The platform's user. Custom from the first migration so that it can grow without pain.

    Usernames keep the case they were given but are unique without it, and are ASCII only (accounts.usernames
    says why); the rules are accounts.services.user_create's, this field only backs them up for the admin.
    """

    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer. ASCII letters, digits and @/./+/-/_ only.",
        validators=[ASCIIUsernameValidator()],
        error_messages={"unique": "A user with that username already exists."},
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        db_table = "accounts_user"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            )
        ]


class Notification(models.Model):
    """An in-app message to a user: a margin call, a liquidation, anything they must not miss."""

    class Kind(models.TextChoices):
        MARGIN_CALL = "margin_call"
        LIQUIDATION = "liquidation"
        INFO = "info"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The trading account it is about (a plain id: accounts sits below trading and cannot point at it).
    account_ref = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="notification_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of the key is kept: the key itself is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, so that the owner can tell their tokens apart in a list.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"


class ApiKey(models.Model):
    """A Binance-style API key pair for bots (``trading.binance``): the key names the caller, the secret signs.

    Requests are signed with HMAC-SHA256 over their parameters, so the server needs the secret itself, not
    a hash of it: it is kept encrypted with a key derived from SECRET_KEY (``accounts.api_keys``) and shown
    to its owner once, when it is made.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(max_length=64)
    api_key = models.CharField(max_length=64, unique=True)
    secret_encrypted = models.TextField()
    # Read-only keys see balances and orders; only trading-enabled keys place, cancel, borrow and transfer.
    can_trade = models.BooleanField(default=False)
    # The market the key trades in (a plain ``trading.Market`` id: accounts sits below trading and cannot
    # point at it); NULL is the main market. A class key belongs to the membership's holder, the user
    # owning the class accounts, so the key reaches those and nothing else (``classrooms.services.api_keys``).
    market_ref = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.api_key[:8]}...)"
