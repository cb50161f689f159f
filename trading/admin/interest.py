"""The interest-rate schedule: staff add the rate of an asset from a clock hour on."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from core.errors import ApplicationError
from trading.models import InterestRate
from trading.services.interest_rates import clock_hour, interest_rate_schedule

from .common import PlainDecimalsForm, ReadOnlyInline


class InterestRateForm(PlainDecimalsForm):
    class Meta:
        model = InterestRate
        fields = ["asset", "effective_from", "daily_rate"]

    def clean(self):
        data = super().clean()
        start = data.get("effective_from")
        if start is not None:
            if start != clock_hour(start):
                self.add_error("effective_from", "Must be a clock hour, e.g. 14:00:00.")
            elif start < clock_hour(timezone.now()):
                self.add_error("effective_from", "Hours already begun keep their rate: this hour or later.")
        return data

    def validate_unique(self):
        # The same asset and hour again replaces that entry's rate (interest_rate_schedule), not an error.
        pass


@admin.register(InterestRate)
class InterestRateAdmin(admin.ModelAdmin):
    """Entries are added (or a future hour's rate replaced), never edited afterwards: an hour already
    charged keeps the rate it was charged at. A future entry can be deleted before it begins."""

    form = InterestRateForm
    list_display = ["asset", "effective_from", "daily_rate", "created_at"]
    list_filter = ["asset"]
    date_hierarchy = "effective_from"
    list_select_related = ["asset"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.effective_from > timezone.now())

    def save_model(self, request, obj, form, change):
        try:
            entry = interest_rate_schedule(
                asset=obj.asset.code, daily_rate=obj.daily_rate, effective_from=obj.effective_from
            )
        except ApplicationError as error:  # a race with the clock: the hour began while the form was open
            self.message_user(request, f"Not saved: {error.message}", messages.ERROR)
            return
        obj.pk = entry.pk


class InterestRateInline(ReadOnlyInline):
    model = InterestRate
    fields = ["effective_from", "daily_rate"]
    verbose_name_plural = "interest-rate schedule (latest first; add entries under Interest rates)"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-effective_from")
