"""Classrooms in the admin: classes, members and runs to look at; scenarios to write (the form checks the
spec). Staff make a user an instructor by adding them to the ``instructor`` group on the user's page."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from classrooms.models import ClassPair, Classroom, Membership, Scenario, ScenarioRun
from classrooms.scenario import ScenarioError, spec_parse


class ClassPairInline(admin.TabularInline):
    model = ClassPair
    extra = 0
    can_delete = False
    readonly_fields = ["source", "pair"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a class's pairs are made with it (classroom_create): copies with their prices


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "instructor", "starting_balance", "join_code", "is_open", "created_at"]
    list_filter = ["is_open"]
    search_fields = ["name", "instructor__username", "join_code"]
    readonly_fields = ["instructor", "market", "starting_balance", "join_code", "created_at"]
    inlines = [ClassPairInline]

    def has_add_permission(self, request) -> bool:
        return False  # instructors create classes on the class page or the API (classroom_create)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["student", "classroom", "holder", "joined_at"]
    search_fields = ["student__username", "classroom__name"]
    readonly_fields = ["classroom", "student", "holder", "joined_at"]

    def has_add_permission(self, request) -> bool:
        return False  # membership_join makes the class accounts


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["slug", "name", "description", "spec"]

    def clean_spec(self):
        spec = self.cleaned_data["spec"]
        try:
            spec_parse(spec)
        except ScenarioError as error:
            raise forms.ValidationError(str(error)) from None
        return spec


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    form = ScenarioForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(ScenarioRun)
class ScenarioRunAdmin(admin.ModelAdmin):
    list_display = ["classroom", "scenario", "state", "speed", "steps", "started_at", "ended_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in ScenarioRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # the instructor starts runs from the class page
