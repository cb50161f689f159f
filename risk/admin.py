"""Staff oversight of the risk engine: how each pair's simulated price moves, and where the sources stand."""

from django.contrib import admin

from risk.models import PriceFeed, PriceSourceState


@admin.register(PriceFeed)
class PriceFeedAdmin(admin.ModelAdmin):
    list_display = ["pair", "volatility", "drift", "enabled"]
    list_editable = ["volatility", "enabled"]
    list_filter = ["enabled"]
    list_select_related = ["pair"]
    search_fields = ["pair__symbol"]


@admin.register(PriceSourceState)
class PriceSourceStateAdmin(admin.ModelAdmin):
    """Read-only: the counters are claimed with conditional UPDATEs by the price tick, not edited."""

    list_display = ["name", "step", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
