"""A resident's checklist: answers, the items they produced and the ticks. No personal identifiers.

Items are rows of scalars (key, status, deadline, done: what reminders and counters query), each
with how it reads (procedure, reasons, legal basis, documents) rendered once at build time as the
JSON the API sends, so that reading a checklist never decodes and re-encodes it.

Found only by its unguessable token; deleted on request and after the retention period.
"""

import orjson
from django.db import models
from django.utils.functional import cached_property

from procedures.models import CatalogueVersion


class JSONTextField(models.TextField):
    """JSON written and read whole, never queried inside, kept as text: spares PostgreSQL jsonb's
    parse on every write and its re-serialisation on every read (the API sends it as stored).

    Python values as with JSONField (dicts, lists …); no lookups into the JSON.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)

    def get_prep_value(self, value):
        return None if value is None else orjson.dumps(value).decode()

    def value_to_string(self, obj):
        return self.value_from_object(obj)


class Checklist(models.Model):
    LANGUAGES = [("ja", "日本語"), ("en", "English"), ("easy", "やさしい日本語")]

    # Unique by a constraint rather than unique=True, which on PostgreSQL adds a second index for
    # LIKE lookups that no token query makes: random tokens make every index insert touch a new
    # page, so each index costs the POST its own page writes.
    token = models.CharField(max_length=64)
    catalogue_version = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")
    life_events = JSONTextField()
    event_date = models.DateField()
    language = models.CharField(max_length=8, choices=LANGUAGES, default="ja")
    answers = JSONTextField(default=dict)
    members = JSONTextField(default=list)
    documents = JSONTextField(default=list, help_text="merged list of what to bring, rendered")
    unanswered = JSONTextField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token"], name="checklist_token_unique")]

    def __str__(self):
        return f"checklist {self.pk} ({', '.join(self.life_events)})"

    @cached_property
    def item_list(self) -> list["ChecklistItem"]:
        """The items in order; services fill this in when they have just written them."""
        return list(self.items.all())


class ChecklistItem(models.Model):
    STATUSES = [("required", "required"), ("check", "check")]

    # No index of its own on checklist or deadline: items are only ever read by checklist, which
    # the unique (checklist, key) index serves; each index more is written on every POST.
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items", db_index=False)
    key = models.CharField(max_length=100, help_text="procedure code, plus '.' and the member key if per member")
    position = models.PositiveIntegerField()
    procedure_code = models.CharField(max_length=64)
    member_key = models.CharField(max_length=16, null=True, blank=True)
    status = models.CharField(max_length=8, choices=STATUSES)
    deadline = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    # Text, not JSONField: written and read whole, never queried inside; text spares PostgreSQL
    # jsonb's parse on every write and its re-serialisation on every read.
    content = models.TextField(
        help_text="the item as the API shows it, without its tick: a JSON object rendered at build time"
    )

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["checklist", "key"], name="checklist_item_unique_key")]

    def __str__(self):
        return self.key


class JourneyEvent(models.Model):
    """One step of a resident's journey, counted for the funnel (drop-off per question, completion).

    Deliberately nothing that could say who or what: no answer, no IP, no time of day (only the
    Japan date, so that no event lines up with a web server's access log), no checklist token, no
    session key. ``journey`` is a random id kept in the questionnaire's session state and dropped
    with it when the checklist is made, so the steps of one journey can be counted once each, but
    no event can be joined to a checklist, a person or another journey. Purged after the checklist
    retention period.
    """

    PAGE = "page"  # a questionnaire page shown
    ANSWER = "answer"  # a question answered (start and household pages included)
    SKIP = "skip"  # a question left for the counter (「わからない」)
    CREATED = "created"  # the checklist made
    REVISED = "revised"  # a checklist rebuilt on revised answers
    TICKED = "ticked"  # an item marked done on a checklist page
    KINDS = [(k, k) for k in (PAGE, ANSWER, SKIP, CREATED, REVISED, TICKED)]

    day = models.DateField(db_index=True, help_text="the date in Japan")
    kind = models.CharField(max_length=8, choices=KINDS)
    step = models.CharField(max_length=64, blank=True, help_text="page or question key; empty for ticks")
    journey = models.CharField(max_length=16, null=True, blank=True, db_index=True)

    def __str__(self):
        return f"{self.day} {self.kind} {self.step}"
