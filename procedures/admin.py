"""The catalogue in the admin, read-only: published versions are never edited in place.

Editing arrives with the rule studio, through drafts that become new versions.
"""

from django.contrib import admin

from .models import CatalogueVersion, Counter, Law, LifeEvent, Municipality, Office, Override, Procedure, Question


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(ReadOnlyAdmin):
    list_display = ["content_hash", "effective_from", "municipality", "published_at"]
    date_hierarchy = "effective_from"


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_ja", "layer", "per_member", "version"]
    list_filter = ["layer", "per_member", "version"]
    search_fields = ["code", "file"]
    list_select_related = ["version"]

    @admin.display(description="name")
    def name_ja(self, obj):
        return obj.name.get("ja")


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["key", "order", "type", "per_member", "version"]
    list_filter = ["type", "per_member", "version"]
    search_fields = ["key"]
    list_select_related = ["version"]


@admin.register(Law)
class LawAdmin(ReadOnlyAdmin):
    list_display = ["key", "number", "egov_id", "verified", "version"]
    list_filter = ["verified", "version"]
    list_select_related = ["version"]


@admin.register(LifeEvent, Office, Municipality, Counter, Override)
class CatalogueRowAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "version"]
    list_filter = ["version"]
    list_select_related = ["version"]
