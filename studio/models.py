"""The rule studio's own records: drafts of the catalogue, stories saved here, previews.

A draft holds a whole catalogue's content as data (the loader's Source: one dict per file entry,
with the file it belongs to), starting from a published version. It is only ever stored valid:
every edit is checked by the loader's own validation first. Publishing turns it into a new,
immutable catalogue version through the loader's code path.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from procedures.models import CatalogueVersion


class Draft(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "編集中"
        SUBMITTED = "submitted", "承認待ち"
        APPROVED = "approved", "承認済み"
        PUBLISHED = "published", "公開済み"
        DISCARDED = "discarded", "破棄"

    class VersionBy(models.TextChoices):
        EVENT_DATE = "event_date", "出来事の日に施行されていた版（施行日より前の出来事は旧ルール）"
        BUILD_DATE = "build_date", "チェックリストを作る日に施行されている版"

    title = models.CharField(max_length=200, help_text="what the change is about")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT, db_index=True)
    base_version = models.ForeignKey(
        CatalogueVersion, on_delete=models.PROTECT, related_name="+", help_text="the version it started from"
    )
    restored_from = models.ForeignKey(
        CatalogueVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField(help_text="the catalogue's content, as the loader reads it from the files")
    stories = models.JSONField(
        default=dict, blank=True, help_text="stories added or changed in this draft: name -> scenario, with a reason"
    )
    national_update = models.JSONField(
        default=dict, blank=True,
        help_text="a national release taken in: what was taken automatically and the conflicts, open or settled",
    )  # fmt: skip
    revision = models.PositiveIntegerField(default=1, help_text="raised on every save, against lost updates")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", help_text="everyone who edited it")

    reason = models.TextField(blank=True, help_text="why the change is made: the law, the notice, the request")
    effective_from = models.DateField(null=True, blank=True, help_text="施行日: in force from 00:00 JST that day")
    version_by = models.CharField(max_length=16, choices=VersionBy.choices, default=VersionBy.BUILD_DATE)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_version = models.OneToOneField(
        CatalogueVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="studio_draft"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return f"{self.title} ({self.get_state_display()})"

    @property
    def open_conflicts(self) -> list[dict]:
        return [c for c in self.national_update.get("conflicts", []) if c["status"] == "open"]

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.SUBMITTED, self.State.APPROVED)


class Story(models.Model):
    """A story saved from the studio, or a file story whose expectation a published draft changed.

    Same shape as fixtures/scenarios/<name>.yaml; a row with a file story's name replaces it.
    """

    name = models.SlugField(max_length=100, unique=True)
    data = models.JSONField(help_text="the scenario: title, life_events, event_date, answers, members, expect …")
    reason = models.TextField(help_text="why the expectation is what it is now")
    draft = models.ForeignKey(
        Draft, on_delete=models.PROTECT, related_name="+", help_text="the draft that published it"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "stories"

    def __str__(self):
        return self.name


class Preview(models.Model):
    """Whose outcome a draft changes: counted over the stored checklists by a task, in batches."""

    class State(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "実行中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="previews")
    revision = models.PositiveIntegerField(help_text="the draft revision it counts")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="stored checklists to look at")
    processed = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"preview {self.pk} of draft {self.draft_id} r{self.revision}"
