"""Request types for annotations: what middleware adds to Django's HttpRequest, which django-stubs cannot know."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that passed django-htmx's HtmxMiddleware (django-htmx's documented pattern for type checkers)."""

    htmx: HtmxDetails
