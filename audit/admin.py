from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes anyway; the admin does not offer them."""

    list_display = ("at", "username", "roles", "action", "target_type", "target_id", "ip")
    list_filter = ("action", "target_type")
    search_fields = ("username", "target_id", "action")
    date_hierarchy = "at"
    readonly_fields = ("at", "user", "username", "roles", "action", "target_type", "target_id", "ip", "detail_text")
    exclude = ("detail",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
