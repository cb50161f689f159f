"""The request type of views behind login_required: django-stubs types ``request.user`` as
``User | AnonymousUser``, but such a view only ever runs for a signed-in ``User``."""

from accounts.models import User
from core.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
