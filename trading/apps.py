from django.apps import AppConfig


class TradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "trading"

    def ready(self) -> None:
        from trading.lookup_cache import lookups_connect
        from trading.models import (
            Asset,
            InterestRate,
            IsolatedMarginTier,
            Market,
            MarkPrice,
            Pair,
            PairBook,
            PlatformSettings,
            RiskProfile,
            RiskTier,
        )

        lookups_connect(
            Asset,
            IsolatedMarginTier,
            Market,
            MarkPrice,
            Pair,
            PlatformSettings,
            RiskProfile,
            RiskTier,
            PairBook,
            InterestRate,
        )
