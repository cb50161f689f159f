from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The platform's user. Custom from the first migration so that it can grow without pain."""

    class Meta:
        db_table = "accounts_user"


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
