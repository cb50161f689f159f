"""Password validators beside Django's own (AUTH_PASSWORD_VALIDATORS): every door that sets a password runs
them, sign-up (API and web), the password-change page and the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError

PASSWORD_MAX_LENGTH = 4096


class NotOnlyWhitespaceValidator:
    """Twelve spaces pass Django's length, common-password and numeric checks; they are no password."""

    def validate(self, password: str, user=None) -> None:
        if not password.strip():
            raise ValidationError("The password cannot be only spaces.", code="password_only_whitespace")

    def get_help_text(self) -> str:
        return "Your password cannot be only spaces."


class MaximumLengthValidator:
    """A cap on what is hashed: PBKDF2 over megabytes is a denial of service, and the API's serializer refuses
    more than this already; the web form and the admin now say the same."""

    def __init__(self, max_length: int = PASSWORD_MAX_LENGTH):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"The password is too long: at most {self.max_length} characters.",
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return f"Your password can be at most {self.max_length} characters."
