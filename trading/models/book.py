"""Each pair's simulated order book shape (``trading.book`` builds the book from it and the mark)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from trading.lookup_cache import LookupQuerySet

from .fields import amount_field, ratio_field
from .markets import Pair

MAX_BOOK_LEVELS = 500  # levels on each side; Binance's depth answers at most 5000


class PairBook(models.Model):
    """Spread and depth of one pair's simulated book. A pair without a row gets these defaults."""

    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, primary_key=True, related_name="book")
    spread_bps = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal(2),
        help_text="Best ask minus best bid, in basis points of the mark price (more than 0).",
    )
    levels = models.PositiveSmallIntegerField(default=20, help_text=f"Levels on each side, 1 to {MAX_BOOK_LEVELS}.")
    level_spacing_bps = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal(2),
        help_text="Distance between neighbouring levels, in basis points of the mark (0 = one tick).",
    )
    level_notional = amount_field(
        default=Decimal(10000), help_text="Quote (USDT) worth of the base asset offered at each level."
    )
    noise = ratio_field(
        default=Decimal(0),
        help_text="Each level's size varies at random by up to this fraction, e.g. 0.2 = +/- 20 % (0 = none).",
    )
    noise_seconds = models.PositiveIntegerField(default=60, help_text="How long one random draw of the sizes lasts.")
    seed = models.PositiveIntegerField(default=0, help_text="Change it for another (still repeatable) draw.")

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        verbose_name = "order book"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    spread_bps__gt=0,
                    spread_bps__lt=10000,
                    levels__gte=1,
                    levels__lte=MAX_BOOK_LEVELS,
                    level_spacing_bps__gte=0,
                    level_spacing_bps__lt=10000,
                    level_notional__gt=0,
                    noise__gte=0,
                    noise__lt=1,
                    noise_seconds__gte=1,
                ),
                name="pair_book_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} book"
