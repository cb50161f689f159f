from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The platform's user. Custom from the first migration so that it can grow without pain."""

    class Meta:
        db_table = "accounts_user"
