from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.core import signals

        from core import cache
        from core.fields import CodeConverter, IdConverter

        signals.request_started.connect(cache.request_started, dispatch_uid="core-cache-request-started")
        signals.request_finished.connect(cache.request_finished, dispatch_uid="core-cache-request-finished")

        # Before any URLconf is read: `<id:...>` and `<code:...>` in every app's urls.py.
        register_converter(IdConverter, "id")
        register_converter(CodeConverter, "code")
