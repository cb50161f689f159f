"""Each pair's simulated order book: its spread and depth (what orders fill against under the BOOK model)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from trading.models import PairBook

from .common import PlainDecimalsForm

BOOK_FIELDS: list[Any] = [
    "spread_bps",
    "levels",
    "level_spacing_bps",
    "level_notional",
    "noise",
    "noise_seconds",
    "seed",
]


class PairBookInline(admin.StackedInline):
    """On the pair's page: a pair without a book row fills against the defaults shown here."""

    model = PairBook
    form = PlainDecimalsForm
    fields = BOOK_FIELDS
    can_delete = False
    extra = 1
    max_num = 1


@admin.register(PairBook)
class PairBookAdmin(admin.ModelAdmin):
    form = PlainDecimalsForm
    list_display = ["pair", *BOOK_FIELDS]
    list_editable = BOOK_FIELDS
    list_select_related = ["pair"]
    search_fields = ["pair__symbol"]
