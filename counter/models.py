"""A counter case: what the clerk heard (facts in a checklist's shape), who the people are, who handled it.

The facts (life events, event date, answers, members) are the same shape as a resident's
checklist, so the same engine builds the same list. Personal details live apart, in
CasePersonal, so that they can be shown only to the roles that need them and purged after
COUNTER_RETENTION_DAYS while the facts stay for the city's statistics. 個人番号 has no field.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Case(models.Model):
    municipality = models.CharField(max_length=64, db_index=True, help_text="the catalogue's municipality code")
    life_events = models.JSONField(default=list)
    event_date = models.DateField()
    answers = models.JSONField(default=dict)
    members = models.JSONField(default=list, help_text="each with key, relation and member answers")
    items = models.JSONField(
        default=list,
        help_text="the list as last built: key, procedure_code, member_key, status, department, counter, visit_order",
    )
    checklist = models.ForeignKey(
        "navi.Checklist",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the resident's own checklist, when the case began from its QR code (linked, not copied)",
    )
    resident_item_keys = models.JSONField(
        default=list, help_text="the items the resident's checklist had at intake, to count what the counter added"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    handed_off_at = models.DateTimeField(null=True, blank=True, help_text="when the routing slip sent it on")
    purged_at = models.DateTimeField(null=True, blank=True, help_text="when its personal details were deleted")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"case {self.pk} ({','.join(self.life_events)}, {self.event_date})"

    @property
    def number(self) -> str:
        """The number said aloud at the counter and printed on the routing slip."""
        return f"{self.pk:05d}"


class CasePersonal(models.Model):
    """Names, birth dates, addresses and phone: entered once, printed on every form, purged later."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="personal")
    people = models.JSONField(default=dict, help_text="by member key: name, kana, birth_date, sex, relationship (続柄)")
    old_address = models.CharField(max_length=200, blank=True)
    new_address = models.CharField(max_length=200, blank=True)
    moved_in_on = models.DateField(null=True, blank=True, help_text="転入 (or 転居) date")
    moved_out_on = models.DateField(null=True, blank=True, help_text="転出 date")
    phone = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"personal details of case {self.case_id}"


class CaseVisit(models.Model):
    """One department's part of a case: when it arrived in the queue, was called, was done."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    department = models.CharField(max_length=100, db_index=True)
    visit_order = models.IntegerField(help_text="the counters' visiting order")
    item_keys = models.JSONField(default=list, help_text="the case's items this department handles")
    handled_keys = models.JSONField(default=list)
    arrived_at = models.DateTimeField(default=timezone.now)
    called_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["visit_order", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="counter_visit_once")]
        indexes = [models.Index(fields=["department", "done_at", "arrived_at"], name="counter_queue")]

    def __str__(self):
        return f"{self.department} for case {self.case_id}"
