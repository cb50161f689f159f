from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import ApiKey, ApiToken, Notification, User

admin.site.register(User, UserAdmin)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "title", "account_ref", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "title", "=account_ref"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["user", "kind", "title", "body", "account_ref", "created_at"]

    def has_add_permission(self, request):
        return False


class CredentialAdmin(admin.ModelAdmin):
    """Staff see who holds which credential and may delete one (a leaked key); secrets are never shown."""

    list_select_related = ["user"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(CredentialAdmin):
    list_display = ["id", "user", "name", "prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at"]
    search_fields = ["user__username", "name", "prefix"]


@admin.register(ApiKey)
class ApiKeyAdmin(CredentialAdmin):
    list_display = ["id", "user", "label", "short_key", "can_trade", "created_at", "last_used_at"]
    list_filter = ["can_trade"]
    fields = ["user", "label", "short_key", "can_trade", "created_at", "last_used_at"]
    readonly_fields = ["short_key"]
    search_fields = ["user__username", "label"]

    @admin.display(description="API key")
    def short_key(self, obj):
        return f"{obj.api_key[:8]}..."
