from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from core.fields import CodeConverter, IdConverter

        # Before any URLconf is read: `<id:...>` and `<code:...>` in every app's urls.py.
        register_converter(IdConverter, "id")
        register_converter(CodeConverter, "code")
