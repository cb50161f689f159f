"""The one application error.

Every service raises ``ApplicationError`` (or a subclass) for anything a caller did wrong or cannot do
now; the API's exception handler turns it into the one JSON error shape. The lowest layer that every
app imports, so that accounts, trading and risk all speak it.
"""


class ApplicationError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}

    def __str__(self) -> str:
        return self.message


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


class InsufficientBalance(ApplicationError):
    code = "insufficient_balance"


class MarginRuleViolation(ApplicationError):
    code = "margin_rule"
