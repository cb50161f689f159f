from django.apps import AppConfig


class ClassroomsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "classrooms"
    verbose_name = "Classrooms"

    def ready(self) -> None:
        # The Binance-compatible API (a floor below) learns how a class names the main pairs through a hook.
        from classrooms.selectors import class_market_names, class_replay_access
        from risk.replay.access import replay_access_register
        from trading.binance.markets import names_source_register

        names_source_register(class_market_names)
        # The explained replays (risk.replay) of a class account's liquidations: its member's and its instructor's.
        replay_access_register(class_replay_access)
