from django.apps import AppConfig


class FuturesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "futures"
    verbose_name = "USDⓈ-M futures"
