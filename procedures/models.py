"""The catalogue as stored: immutable versions, each with its own laws, questions and procedures.

A published version is never changed: the loader creates a new version for new content and the
rule studio will do the same through drafts. Texts are {ja, en, easy}; rules are JsonLogic.
"""

from django.db import models
from django.utils import timezone


class CatalogueVersion(models.Model):
    content_hash = models.CharField(max_length=64, unique=True, help_text="sha256 of the canonical files")
    effective_from = models.DateField(db_index=True)
    municipality = models.CharField(max_length=64, help_text="the municipality folder this deployment serves")
    published_at = models.DateTimeField(default=timezone.now)
    version_by = models.CharField(
        max_length=16,
        choices=[("build_date", "the day the checklist is built"), ("event_date", "the day of the life event")],
        default="build_date",
        help_text="which date decides whether a case follows this version: event_date keeps cases whose "
        "event came before effective_from on the version before it",
    )

    class Meta:
        ordering = ["-effective_from", "-published_at", "-id"]
        indexes = [models.Index(fields=["effective_from", "published_at"])]

    def __str__(self):
        return f"{self.effective_from} · {self.content_hash[:12]}"


class _VersionRow(models.Model):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(help_text="order in its file")

    class Meta:
        abstract = True
        ordering = ["position"]


class Law(_VersionRow):
    key = models.CharField(max_length=64)
    name = models.JSONField()
    number = models.CharField(max_length=200)
    egov_id = models.CharField(max_length=64, null=True, blank=True)
    verified = models.BooleanField(default=False)

    class Meta(_VersionRow.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="law_unique_key")]

    def __str__(self):
        return self.name.get("ja", self.key)


class LifeEvent(_VersionRow):
    code = models.CharField(max_length=64)
    name = models.JSONField()
    description = models.JSONField()
    event_date_label = models.JSONField(help_text="the day deadlines count from, e.g. 生まれた日")

    class Meta(_VersionRow.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="life_event_unique_code")]

    def __str__(self):
        return self.name.get("ja", self.code)


class Office(_VersionRow):
    code = models.CharField(max_length=64)
    name = models.JSONField()

    class Meta(_VersionRow.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="office_unique_code")]

    def __str__(self):
        return self.name.get("ja", self.code)


class Question(_VersionRow):
    TYPES = [("yes_no", "yes/no"), ("choice", "choice"), ("number", "number"), ("date", "date")]

    file = models.CharField(max_length=255)
    key = models.CharField(max_length=64)
    order = models.IntegerField()
    life_events = models.JSONField()
    per_member = models.BooleanField()
    type = models.CharField(max_length=16, choices=TYPES)
    text = models.JSONField()
    help = models.JSONField(null=True, blank=True)
    choices = models.JSONField(null=True, blank=True)
    min = models.IntegerField(null=True, blank=True)
    max = models.IntegerField(null=True, blank=True)
    show_if = models.JSONField(null=True, blank=True)

    class Meta(_VersionRow.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="question_unique_key")]

    def __str__(self):
        return self.key


class Procedure(_VersionRow):
    file = models.CharField(max_length=255)
    layer = models.CharField(max_length=64, help_text="'national' or the municipality's code")
    code = models.CharField(max_length=64)
    life_events = models.JSONField()
    name = models.JSONField()
    description = models.JSONField()
    rationale = models.TextField(null=True, blank=True, help_text="the rule in one line, for reviewers")
    where = models.JSONField()
    online_url = models.URLField(max_length=500, null=True, blank=True)
    fee = models.JSONField(null=True, blank=True)
    per_member = models.BooleanField()
    applies_if = models.JSONField()
    deadline = models.JSONField(null=True, blank=True)
    deadline_note = models.JSONField(null=True, blank=True, help_text="速やかに, 期限なし … when there is no count")
    legal_basis = models.JSONField()
    documents = models.JSONField(default=list)

    class Meta(_VersionRow.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="procedure_unique_code")]

    def __str__(self):
        return self.name.get("ja", self.code)


class Municipality(_VersionRow):
    code = models.CharField(max_length=64)
    name = models.JSONField()
    closed_days = models.JSONField(default=list)
    has_overrides_file = models.BooleanField(default=True)

    class Meta(_VersionRow.Meta):
        verbose_name_plural = "municipalities"
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="municipality_unique_code")]

    def __str__(self):
        return self.name.get("ja", self.code)


class Counter(_VersionRow):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="counters")
    code = models.CharField(max_length=64)
    name = models.JSONField()
    department = models.JSONField()
    location = models.JSONField()
    hours = models.JSONField()
    visit_order = models.IntegerField()

    class Meta(_VersionRow.Meta):
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="counter_unique_code")]

    def __str__(self):
        return self.name.get("ja", self.code)


class Override(_VersionRow):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="overrides")
    procedure = models.CharField(max_length=64)
    data = models.JSONField(help_text="where / fee / online_url replacing the national procedure's")

    def __str__(self):
        return f"{self.municipality.code}: {self.procedure}"


class AcceptedFinding(_VersionRow):
    """A questionnaire walker finding accepted as intended (accepted_findings.yaml), with its reason."""

    file = models.CharField(max_length=255)
    layer = models.CharField(max_length=64, help_text="'national' or the municipality's code")
    data = models.JSONField(help_text="kind, the fields naming the finding, and reason")

    def __str__(self):
        return f"{self.layer}: {self.data.get('kind')}"
