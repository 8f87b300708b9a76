"""The audit log: who (and in which roles) did what to which record, when, from where.

Rows are insert-only, and the database says so: a trigger created by migration 0002 refuses
every UPDATE and DELETE (PostgreSQL and the quick start's SQLite alike), whoever sends it.
A user with audit history cannot be deleted (PROTECT); deactivate the account instead. The
username and roles are copied as they were at the time, so renaming a user or changing their
roles later never rewrites history.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    username = models.CharField(max_length=150, blank=True, help_text="as it was at the time")
    roles = models.CharField(max_length=200, blank=True, help_text="the user's roles at the time, comma-separated")
    action = models.CharField(max_length=64, help_text="what was done, e.g. case.view, staff.roles_change")
    target_type = models.CharField(max_length=64, blank=True, help_text="which kind of record")
    target_id = models.CharField(max_length=64, blank=True, help_text="which record")
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["username", "at"], name="audit_username_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.target_type}:{self.target_id}"

    @property
    def detail_text(self) -> str:
        """The detail as JSON text a person can read (Japanese kept as is, keys sorted)."""
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
