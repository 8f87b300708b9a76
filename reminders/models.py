"""Who asked to be reminded (contacts) and what is to be sent to them (the outbox).

A contact is stored apart from the checklist's answers, its address encrypted (Fernet): the plain
email address or push subscription is in memory only while a message is being sent. Both tables
hang off the checklist and go with it.

The outbox is the truth about delivery: one row per message (a day's digest, a confirmation) with
its due time and status. Celery only carries row ids; whatever the broker loses, the rows say what
is still to be sent (see the README's "Reminders: reliability").
"""

import uuid

from django.db import models
from django.db.models import Q

from navi.models import Checklist


class Contact(models.Model):
    EMAIL, WEBPUSH = "email", "webpush"
    CHANNELS = [(EMAIL, "email"), (WEBPUSH, "Web Push")]
    PENDING, ACTIVE, STOPPED, GONE = "pending", "active", "stopped", "gone"
    STATUSES = [
        (PENDING, "waiting for confirmation"),
        (ACTIVE, "active"),
        (STOPPED, "unsubscribed"),
        (GONE, "address no longer exists"),
    ]

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="reminder_contacts")
    channel = models.CharField(max_length=8, choices=CHANNELS)
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    # Fernet token of the address (email) or of the subscription's JSON (Web Push); emptied when
    # the contact stops, so an unsubscribed address is not kept.
    secret = models.BinaryField(editable=False)
    hint = models.CharField(max_length=40, help_text="what the resident sees of the address, e.g. t…@example.jp")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["checklist"], condition=Q(status="active"), name="reminders_contact_active")]

    def __str__(self):
        return f"{self.channel} {self.hint} ({self.status})"


class Message(models.Model):
    """One message to one contact: a day's digest (reminders and catalogue changes) or a confirmation."""

    DIGEST, CONFIRM = "digest", "confirm"
    KINDS = [(DIGEST, "reminder digest"), (CONFIRM, "opt-in confirmation")]
    PENDING, QUEUED, SENDING, SENT, FAILED, CANCELLED = "pending", "queued", "sending", "sent", "failed", "cancelled"
    STATUSES = [
        (PENDING, "pending (waiting for its time)"),
        (QUEUED, "queued"),
        (SENDING, "sending"),
        (SENT, "sent"),
        (FAILED, "failed"),
        (CANCELLED, "cancelled (nothing left to say)"),
    ]

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Message-ID / Topic")
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="reminder_messages")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=KINDS)
    day = models.DateField(help_text="the day (Asia/Tokyo) the message is for")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=9, choices=STATUSES, default=PENDING)
    state_at = models.DateTimeField(null=True, blank=True, help_text="when it last became queued or sending")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=list, blank=True, help_text="catalogue changes to announce")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "kind", "day"], name="reminders_message_one_per_day"),
        ]
        indexes = [
            # The claim's query: its cost follows the due rows, not the millions of sent ones.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="reminders_message_due"),
            # The sweeper's: rows handed to the broker or a worker that never came back.
            models.Index(
                fields=["state_at"], condition=Q(status__in=["queued", "sending"]), name="reminders_message_stuck"
            ),
            models.Index(fields=["checklist", "day"], name="reminders_message_log"),
        ]

    def __str__(self):
        return f"{self.kind} {self.day} ({self.status})"


class CatalogueNotice(models.Model):
    """A catalogue version whose coming into force has been compared with the stored checklists."""

    version = models.OneToOneField("procedures.CatalogueVersion", on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)
    checklists = models.PositiveIntegerField(default=0, help_text="checklists with a change announced")

    def __str__(self):
        return f"{self.version} checked {self.checked_at:%Y-%m-%d}"
