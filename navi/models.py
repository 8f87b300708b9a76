"""A resident's checklist: answers, the items they produced and the ticks. No personal identifiers.

The items are stored in the checklist's row, as they read (procedure, reasons, legal basis,
documents) rendered once at build time as the JSON the API sends, one JSON object per line, so
that neither writing a checklist nor reading it writes or reads a row per item, and reading never
decodes and re-encodes them. Ticks are kept beside them, by item key. Everything that looks at
items one by one (pages, reminders, the counter, the diff of a rebuild) reads them as
ChecklistItem values (Checklist.item_list).

Found only by its unguessable token; deleted on request and after the retention period.
"""

from dataclasses import dataclass
from datetime import date, datetime

import orjson
from django.db import models

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
    items = models.TextField(
        default="",
        blank=True,
        help_text="the items as the API shows them without their ticks: one JSON object per line",
    )
    ticks = JSONTextField(default=dict, help_text="the items marked done: key → when (ISO 8601)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token"], name="checklist_token_unique")]

    def __str__(self):
        return f"checklist {self.pk} ({', '.join(self.life_events)})"

    @property
    def item_list(self) -> list["ChecklistItem"]:
        """The items in order, each with its tick."""
        return items_from(self.items, self.ticks)


ITEM_KEY_MAX = 100  # a procedure code (64), "." and a member key


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One item of a checklist, read from the checklist's row: what reminders, pages and the counter look at."""

    key: str  # procedure code, plus "." and the member key if per member
    position: int
    procedure_code: str
    member_key: str | None
    status: str  # "required" or "check"
    deadline: date | None
    done: bool
    done_at: datetime | None
    content: str  # the item as the API shows it, without its tick: a JSON object rendered at build time

    def __str__(self):
        return self.key


def items_from(lines: str, ticks: dict) -> list[ChecklistItem]:
    """The stored items (one JSON object per line) with their ticks (key → when, ISO 8601)."""
    items = []
    for position, content in enumerate(lines.split("\n") if lines else ()):
        data = orjson.loads(content)
        key, deadline, ticked = data["key"], data["deadline"], ticks.get(data["key"])
        items.append(
            ChecklistItem(
                key=key,
                position=position,
                procedure_code=data["procedure"]["code"],
                member_key=data["member"],
                status=data["status"],
                deadline=None if deadline is None else date.fromisoformat(deadline),
                done=ticked is not None,
                done_at=None if ticked is None else datetime.fromisoformat(ticked),
                content=content,
            )
        )
    return items


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
