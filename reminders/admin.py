"""Staff's view of delivery: the log per checklist (queued, sending, sent, failed with reason),
resend, and the number of messages by status per day. Addresses are never shown, only hints."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from . import selectors, services
from .models import CatalogueNotice, Contact, Message


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(ReadOnly):
    list_display = ["pk", "checklist_id", "channel", "hint", "status", "created_at", "confirmed_at", "stopped_at"]
    list_filter = ["channel", "status"]
    exclude = ["secret"]


@admin.register(Message)
class MessageAdmin(ReadOnly):
    list_display = ["pk", "checklist_id", "channel", "kind", "day", "due_at", "status", "attempts", "error", "sent_at"]
    list_filter = ["status", "kind", "day"]
    search_fields = ["=checklist__id", "=uid"]
    search_help_text = "checklist id (its delivery log) or message uid"
    exclude = ["changes"]
    readonly_fields = [
        "uid",
        "checklist",
        "contact",
        "kind",
        "day",
        "due_at",
        "status",
        "state_at",
        "attempts",
        "error",
        "sent_at",
    ]
    actions = ["resend"]
    list_select_related = ["contact"]
    change_list_template = "admin/reminders/message/change_list.html"

    @admin.display(description="channel")
    def channel(self, obj):
        return obj.contact.channel

    @admin.action(description="Send again (same Message-ID)")
    def resend(self, request, queryset):
        for message in queryset:
            services.message_resend(message=message)
        self.message_user(request, f"{queryset.count()} message(s) queued again.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        since = timezone.localdate() - timedelta(days=13)
        statuses = [code for code, _ in Message.STATUSES]
        days = [
            {"day": row["day"], "cells": [row["counts"].get(s, 0) for s in statuses], "total": row["total"]}
            for row in selectors.counts_by_day(since=since)
        ]
        return super().changelist_view(
            request, {**(extra_context or {}), "counts_by_day": days, "count_statuses": statuses}
        )


@admin.register(CatalogueNotice)
class CatalogueNoticeAdmin(ReadOnly):
    list_display = ["version", "checked_at", "checklists"]
