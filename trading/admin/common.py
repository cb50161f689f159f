"""What the trading admin pages share: read-only bases, action forms, plain decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.template.response import TemplateResponse

from core.errors import ApplicationError


def action_form(modeladmin, request, queryset, *, form: forms.Form, title: str, intro: str = "") -> TemplateResponse:
    """The page between choosing an action and applying it: a form, with the chosen rows carried along."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/marginlab/action_form.html", context)


def place_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal, next to the field it names (or above the form)."""
    placed = [f for f in error.fields if f in form.fields]
    for field in placed:
        for message in error.fields[field]:
            form.add_error(field, str(message))
    if not placed:
        form.add_error(None, error.message)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlainDecimalsForm(forms.ModelForm):
    """Decimals as people type them: 0E-8 shows as 0, 0.00100000 as 0.001."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in list(self.initial.items()):
            if isinstance(value, Decimal):
                self.initial[name] = "0" if value == 0 else f"{value.normalize():f}"


# Narrow number boxes: the tier table has eight of them per row and must fit a 1,366 px screen.
NARROW_DECIMALS: dict[type[models.Field], dict[str, Any]] = {
    models.DecimalField: {"widget": forms.TextInput(attrs={"size": 10, "inputmode": "decimal"})}
}
