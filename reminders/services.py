"""Writes for reminders: contacts (opt-in, confirm, stop), the outbox (sync, claim, sweep, send).

Every function that depends on the time takes `now`. The outbox rows are written in the same
transaction as what caused them (a rebuilt checklist, a confirmed contact); Celery gets their
ids on commit, and a broker that cannot be reached leaves them queued for the sweeper.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from navi.models import Checklist, ChecklistItem
from procedures.db import prepared_cursor
from procedures.models import CatalogueVersion

from . import policy, vault
from .channels import Permanent, Temporary
from .models import CatalogueNotice, Contact, Message

log = logging.getLogger(__name__)

CONFIRM_SALT = "reminders.confirm"
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600


class TooManyContacts(ValueError):
    pass


# --- links in messages ---------------------------------------------------------------------------


def confirm_token(contact: Contact) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(contact.pk))


def unsubscribe_token(contact: Contact) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(contact.pk))


def contact_by_confirm_token(token: str) -> Contact | None:
    try:
        pk = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return Contact.objects.select_related("checklist").filter(pk=pk).first()


def contact_by_unsubscribe_token(token: str) -> Contact | None:
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Contact.objects.select_related("checklist").filter(pk=pk).first()


# --- contacts ------------------------------------------------------------------------------------


def _check_room(checklist: Checklist) -> None:
    live = Contact.objects.filter(checklist=checklist, status__in=[Contact.PENDING, Contact.ACTIVE]).count()
    if live >= settings.REMINDER_MAX_CONTACTS:
        raise TooManyContacts(f"at most {settings.REMINDER_MAX_CONTACTS} contacts per checklist")


def contact_email_add(*, checklist: Checklist, email: str, now: datetime | None = None) -> Contact:
    """Double opt-in, first half: a pending contact and its confirmation message, sent at once."""
    now = now or timezone.now()
    with transaction.atomic():
        Checklist.objects.select_for_update().filter(pk=checklist.pk).first()  # one opt-in at a time
        _check_room(checklist)
        contact = Contact.objects.create(
            checklist=checklist, channel=Contact.EMAIL, secret=vault.encrypt(email), hint=vault.email_hint(email)
        )
        message = Message.objects.create(
            checklist=checklist,
            contact=contact,
            kind=Message.CONFIRM,
            day=now.astimezone(policy.TOKYO).date(),
            due_at=now,
            status=Message.QUEUED,
            state_at=now,
        )
        transaction.on_commit(lambda: publish([message.pk]))
    log.info("reminders: contact %s (email) waiting for confirmation", contact.pk)
    return contact


def contact_confirm(*, contact: Contact, now: datetime | None = None) -> Contact:
    """Double opt-in, second half (idempotent): the contact becomes active and gets its digests."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Contact.objects.filter(pk=contact.pk, status=Contact.PENDING).update(
            status=Contact.ACTIVE, confirmed_at=now
        )
        contact.refresh_from_db()
        if changed:
            reminders_sync(checklist=contact.checklist, now=now)
    return contact


def contact_push_add(*, checklist: Checklist, subscription: dict, now: datetime | None = None) -> Contact:
    """A browser's push subscription: its permission prompt was the opt-in, so active at once."""
    now = now or timezone.now()
    endpoint = subscription["endpoint"]
    with transaction.atomic():
        Checklist.objects.select_for_update().filter(pk=checklist.pk).first()
        _check_room(checklist)
        contact = Contact.objects.create(
            checklist=checklist,
            channel=Contact.WEBPUSH,
            status=Contact.ACTIVE,
            confirmed_at=now,
            secret=vault.encrypt(json.dumps(subscription)),
            hint=endpoint.split("//", 1)[-1].split("/", 1)[0][:40],
        )
        reminders_sync(checklist=checklist, now=now)
    log.info("reminders: contact %s (web push) active", contact.pk)
    return contact


def contact_stop(*, contact: Contact, now: datetime | None = None, status: str = Contact.STOPPED) -> Contact:
    """Unsubscribe (or an address that no longer exists): forget the address, cancel what is waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).exclude(status__in=[Contact.STOPPED, Contact.GONE]).update(
            status=status, stopped_at=now, secret=b""
        )
        Message.objects.filter(contact_id=contact.pk, status__in=[Message.PENDING, Message.QUEUED]).update(
            status=Message.CANCELLED, error="unsubscribed" if status == Contact.STOPPED else "address gone"
        )
    contact.refresh_from_db()
    log.info("reminders: contact %s %s", contact.pk, contact.status)
    return contact


# --- the outbox ----------------------------------------------------------------------------------


def reminders_sync(*, checklist: Checklist, now: datetime | None = None) -> None:
    """Bring the checklist's pending digests in line with its deadlines, in the caller's transaction.

    One query when nobody has opted in. Called where a checklist is rebuilt and where a contact
    becomes active. A tick needs no call: each digest reads the ticks when it is sent (and says
    nothing if everything it would list is done), so an item ticked back still gets its reminders.
    """
    contacts = list(Contact.objects.filter(checklist=checklist, status=Contact.ACTIVE).values_list("pk", flat=True))
    if not contacts:
        return
    now = now or timezone.now()
    municipality = CatalogueVersion.objects.filter(pk=checklist.catalogue_version_id).values_list(
        "municipality", flat=True
    )
    rules = policy.policy_for(municipality.first())
    deadlines = {item.deadline for item in checklist.item_list if item.deadline is not None}
    schedule = policy.digest_schedule(deadlines, now=now, policy=rules)
    today = now.astimezone(policy.TOKYO).date()
    Message.objects.filter(
        contact_id__in=contacts, kind=Message.DIGEST, status=Message.PENDING, day__gte=today, changes=[]
    ).exclude(day__in=list(schedule)).delete()
    Message.objects.bulk_create(
        [
            Message(checklist=checklist, contact_id=c, kind=Message.DIGEST, day=day, due_at=at)
            for c in contacts
            for day, at in schedule.items()
        ],
        ignore_conflicts=True,
    )


def claim_due(*, now: datetime, limit: int | None = None) -> list[int]:
    """Take due rows (pending, due_at ≤ now) for sending: SELECT … FOR UPDATE SKIP LOCKED on the
    partial index, mark them queued, and publish their ids when the transaction commits.

    Concurrent claimers never take the same row; a bounded batch keeps the transaction short.
    """
    limit = limit or settings.REMINDER_CLAIM_BATCH
    with transaction.atomic():
        ids = list(
            Message.objects.filter(status=Message.PENDING, due_at__lte=now)
            .order_by("due_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Message.objects.filter(pk__in=ids).update(status=Message.QUEUED, state_at=now)
            transaction.on_commit(lambda: publish(ids))
    return ids


def sweep_stuck(*, now: datetime, limit: int | None = None) -> list[int]:
    """Publish again the rows that have been queued or sending for longer than a send can take.

    Queued: the broker lost the task or never got it. Sending: the worker died in the middle (its
    message may or may not have left: at least once). Past the attempts allowed, a row fails.
    """
    limit = limit or settings.REMINDER_CLAIM_BATCH
    cutoff = now - timezone.timedelta(seconds=settings.REMINDER_STUCK_AFTER_SECONDS)
    with transaction.atomic():
        rows = list(
            Message.objects.filter(status__in=[Message.QUEUED, Message.SENDING], state_at__lt=cutoff)
            .order_by("state_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")[:limit]
        )
        exhausted = [pk for pk, attempts in rows if attempts >= settings.REMINDER_MAX_ATTEMPTS]
        again = [pk for pk, attempts in rows if attempts < settings.REMINDER_MAX_ATTEMPTS]
        if exhausted:
            Message.objects.filter(pk__in=exhausted).update(status=Message.FAILED, error="no worker finished it")
        if again:
            Message.objects.filter(pk__in=again).update(status=Message.QUEUED, state_at=now)
            transaction.on_commit(lambda: publish(again))
    if rows:
        log.warning("reminders: %d stuck messages published again, %d failed", len(again), len(exhausted))
    return again


def publish(ids: list[int]) -> int:
    """Hand ids to the broker. A broker that is down is logged, not raised: the rows stay queued."""
    from .tasks import send_message

    sent = 0
    try:
        with send_message.app.producer_or_acquire() as producer:  # one producer for the whole batch
            for pk in ids:
                send_message.apply_async((pk,), producer=producer, retry=True, retry_policy=PUBLISH_RETRY)
                sent += 1
    except Exception as exc:  # kombu's errors differ by transport
        log.warning("reminders: broker unavailable (%s); %d messages stay queued", type(exc).__name__, len(ids) - sent)
    return sent


PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""


def message_send(*, message_id: int, now: datetime | None = None) -> Outcome:
    """Send one message, at most once per call, safe to call twice (at least once overall).

    First a conditional update queued → sending: if no row changed, another call has it (or it
    was cancelled) and this one stops. Then render, send, and record the result, again only if
    the row is still this call's (sending).
    """
    from . import content
    from .channels import email, webpush

    now = now or timezone.now()
    taken = _take(message_id, now)
    if taken is None:
        return Outcome("skipped")
    message, items = taken
    contact = message.contact
    wanted = Contact.PENDING if message.kind == Message.CONFIRM else Contact.ACTIVE
    if contact.status != wanted:
        return _finish(message, Message.CANCELLED, f"contact {contact.get_status_display()}")
    letter = content.compose(message, now=now, items=items)
    if letter is None:
        return _finish(message, Message.CANCELLED, "nothing due")
    try:
        if contact.channel == Contact.EMAIL:
            email.send(to=vault.decrypt(contact.secret), letter=letter)
        else:
            webpush.send(subscription=json.loads(vault.decrypt(contact.secret)), letter=letter)
    except Permanent as exc:
        log.warning("reminders: message %s failed for good: %s", message.pk, exc)
        if exc.gone:
            contact_stop(contact=contact, now=now, status=Contact.GONE)
        return _finish(message, Message.FAILED, str(exc))
    except Temporary as exc:
        if message.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            log.warning("reminders: message %s failed after %d attempts: %s", message.pk, message.attempts, exc)
            return _finish(message, Message.FAILED, f"{exc} (after {message.attempts} attempts)")
        rules = policy.policy_for(message.checklist.catalogue_version.municipality)
        later = policy.retry_at(message.attempts, now=now, base_seconds=settings.REMINDER_RETRY_BASE_SECONDS)
        if message.kind == Message.DIGEST:
            later = policy.not_quiet(later, rules)
        _record(
            "UPDATE reminders_message SET status = %s, due_at = %s, error = %s WHERE id = %s AND status = %s",
            [Message.PENDING, _db_time(later), str(exc)[:300], message.pk, Message.SENDING],
        )
        log.info("reminders: message %s will be tried again at %s: %s", message.pk, later.isoformat(), exc)
        return Outcome("retry", str(exc))
    log.info("reminders: message %s sent (%s)", message.pk, contact.channel)
    return _finish(message, Message.SENT, "", sent_at=now)


# The send path is the worker's hot loop: its statements are written out (an ORM query costs
# more to build than to run here), and on PostgreSQL each of its two writes is one statement in
# its own transaction (one round trip, one commit), prepared once per connection
# (procedures.db.prepared_cursor), its commit relaxed as _relax_commit says.
TAKE_SQL = """
    UPDATE reminders_message SET status = %s, state_at = %s, attempts = attempts + 1
    WHERE id = %s AND status = %s
"""
# Everything a send reads: the message, its contact, its checklist (its items and ticks, for a
# digest, but not the other JSON columns) and the version's municipality (the policy). One row.
READ_COLUMNS = """
    m.id, m.uid, m.checklist_id, m.contact_id, m.kind, m.day, m.status, m.state_at, m.attempts, m.changes,
    c.id, c.checklist_id, c.channel, c.status, c.secret,
    k.id, k.token, k.language, k.catalogue_version_id, CASE WHEN m.kind = %s THEN k.items ELSE '' END, k.ticks,
    v.id, v.municipality
"""
READ_JOINS = """
    JOIN reminders_contact c ON c.id = m.contact_id
    JOIN navi_checklist k ON k.id = m.checklist_id
    JOIN procedures_catalogueversion v ON v.id = k.catalogue_version_id
"""
READ_FIELDS = (
    (Message, ("id", "uid", "checklist_id", "contact_id", "kind", "day", "status", "state_at", "attempts", "changes")),
    (Contact, ("id", "checklist_id", "channel", "status", "secret")),
    (Checklist, ("id", "token", "language", "catalogue_version_id", "items", "ticks")),
    (CatalogueVersion, ("id", "municipality")),
)
# PostgreSQL: synchronous_commit = off for the statement's own transaction (set_config with
# is_local, as SET LOCAL), evaluated once a row has changed, when _relax_commit allows it.
RELAX_SQL = "CASE WHEN %s THEN set_config('synchronous_commit', 'off', true) END"
# PostgreSQL: the take and the read in one statement (the read sees the row as the take left it).
TAKE_AND_READ_SQL = f"""
    WITH m AS ({TAKE_SQL} RETURNING id, uid, checklist_id, contact_id, kind, day, status, state_at, attempts, changes)
    SELECT {READ_COLUMNS}, {RELAX_SQL} FROM m {READ_JOINS}
"""
# Elsewhere (SQLite): the update, then the read, in one transaction.
READ_SQL = f"SELECT {READ_COLUMNS} FROM reminders_message m {READ_JOINS} WHERE m.id = %s"


def _take(message_id: int, now: datetime) -> tuple[Message, list[ChecklistItem]] | None:
    """The conditional update queued → sending and the read of what the send needs, one commit."""
    take = [Message.SENDING, _db_time(now), message_id, Message.QUEUED]
    read = [Message.DIGEST]
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(TAKE_AND_READ_SQL, [*take, *read, _relax_commit()])
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute(TAKE_SQL, take)
            rows = []
            if cursor.rowcount == 1:
                cursor.execute(READ_SQL, [*read, message_id])
                rows = cursor.fetchall()
    if not rows:
        return None
    message, contact, checklist, version = (load(rows[0]) for load in _loaders(connection.vendor))
    items = [item for item in checklist.item_list if not item.done and item.deadline is not None]
    checklist.catalogue_version = version
    message.checklist, message.contact = checklist, contact
    return message, items


@functools.cache
def _loaders(vendor: str) -> list:
    """For each model of READ_FIELDS, a function from a raw row to an instance (None for a LEFT
    JOIN's missing row), with the backend's and the fields' converters, as the ORM would apply
    them (a UUID on SQLite, JSON, …). Built once per process and backend."""
    loaders, at = [], 0
    for model, names in READ_FIELDS:
        fields = [model._meta.get_field(name) for name in names]
        # from_db takes the values in the model's field order
        order = sorted(range(len(fields)), key=lambda j: model._meta.concrete_fields.index(fields[j]))
        cols = [fields[j].get_col(model._meta.db_table) for j in order]
        steps = [
            (at + j, col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            for j, col in zip(order, cols, strict=True)
        ]
        loaders.append(_loader(model, [fields[j].attname for j in order], at, steps))
        at += len(names)
    return loaders


def _loader(model, attnames: list[str], first: int, steps: list):
    def load(row):
        if row[first] is None:
            return None
        values = []
        for index, col, converters in steps:
            value = row[index]
            for convert in converters:
                value = convert(value, col, connection)
            values.append(value)
        return model.from_db(connection.alias, attnames, values)

    return load


def _db_time(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _relax_commit() -> bool:
    """Whether the send's status writes may commit without waiting for the WAL flush.

    synchronous_commit = off makes a commit return before its WAL record reaches the disk: a
    crash of PostgreSQL itself (not of the worker) may then lose the last fraction of a second of
    these commits (at most three times wal_writer_delay), never corrupt anything or reorder them
    (the README's "Reminders: reliability"). What can be lost is always a row's step forward
    from queued or sending, so the row is left queued or sending and the sweeper publishes it
    again: at worst a message goes out twice with the same Message-ID, none is lost. Only the
    send's own statements are relaxed, each in its own transaction (the claim, the sweeper and
    everything a resident does keep the server's setting); inside a caller's transaction (a
    test, an eager task) the caller's commit is left alone.
    """
    return not connection.in_atomic_block


def _record(sql: str, params: list) -> None:
    """One status write of the send: a statement of its own, relaxed on PostgreSQL."""
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(f"{sql} RETURNING {RELAX_SQL}", [*params, _relax_commit()])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _finish(message: Message, status: str, error: str, sent_at=None) -> Outcome:
    _record(
        "UPDATE reminders_message SET status = %s, error = %s, sent_at = %s WHERE id = %s AND status = %s",
        [status, error[:300], sent_at and _db_time(sent_at), message.pk, Message.SENDING],
    )
    return Outcome(status, error)


def message_resend(*, message: Message, now: datetime | None = None) -> Message:
    """Staff's resend: the same message (same Message-ID) goes out again as soon as possible."""
    now = now or timezone.now()
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).exclude(status__in=[Message.QUEUED, Message.SENDING]).update(
            status=Message.QUEUED, state_at=now, attempts=0, error="", sent_at=None
        )
        transaction.on_commit(lambda: publish([message.pk]))
    message.refresh_from_db()
    return message


# --- catalogue versions taking effect ------------------------------------------------------------


def catalogue_changes_announce(*, now: datetime) -> int:
    """For each catalogue version that has taken effect since the last look (its effective_from,
    not its publication), tell the owners of checklists in use what it changes for them, once.

    "In use": not expired, with an active contact. A procedure that now applies or a deadline that
    moved goes into that day's digest (one message a day, still).
    """
    today = now.astimezone(policy.TOKYO).date()
    versions = CatalogueVersion.objects.filter(effective_from__lte=today).exclude(
        pk__in=CatalogueNotice.objects.values("version_id")
    )
    announced = 0
    for version in versions.order_by("effective_from", "published_at", "pk"):
        with transaction.atomic():
            notice, created = CatalogueNotice.objects.get_or_create(version=version)
            if not created:
                continue
            current = CatalogueVersion.objects.filter(effective_from__lte=today).order_by(
                "-effective_from", "-published_at", "-id"
            )[:1]
            if not current or current[0].pk != version.pk:
                continue  # already superseded: the newer one is compared instead
            in_use = (
                Checklist.objects.filter(expires_at__gt=now, reminder_contacts__status=Contact.ACTIVE)
                .exclude(catalogue_version=version)
                .distinct()
            )
            for checklist in in_use:
                changes = _announceable(checklist, version)
                if changes:
                    _add_to_digest(checklist=checklist, changes=changes, now=now)
                    announced += 1
            notice.checklists = announced
            notice.save(update_fields=["checklists"])
    return announced


def _announceable(checklist: Checklist, version: CatalogueVersion) -> list[dict]:
    from navi.services import InvalidCase, checklist_changes
    from procedures.selectors import compiled_catalogue

    try:
        diff = checklist_changes(checklist=checklist, version=version)
    except InvalidCase:  # the new version asks the questions differently: nothing to compare
        return []
    catalogue = compiled_catalogue(version)
    lang = checklist.language
    names = {p.code: catalogue.text(p.data["name"], lang) for p in catalogue.procedures}
    out = [{"key": k, "name": names.get(k.split(".")[0], k), "what": "added"} for k in diff.added]
    for change in diff.changed:
        if "deadline" in change.changes:
            old, new = change.changes["deadline"]
            out.append(
                {
                    "key": change.key,
                    "name": names.get(change.key.split(".")[0], change.key),
                    "what": "deadline",
                    "old": old.isoformat() if old else None,
                    "new": new.isoformat() if new else None,
                }
            )
    return out


def _add_to_digest(*, checklist: Checklist, changes: list[dict], now: datetime) -> None:
    rules = policy.policy_for(checklist.catalogue_version.municipality)
    at = policy.not_quiet(now, rules)
    day = at.astimezone(policy.TOKYO).date()
    for contact_id in checklist.reminder_contacts.filter(status=Contact.ACTIVE).values_list("pk", flat=True):
        message, created = Message.objects.get_or_create(
            contact_id=contact_id,
            kind=Message.DIGEST,
            day=day,
            defaults={"checklist": checklist, "due_at": at, "changes": changes},
        )
        if not created:
            updated = Message.objects.filter(pk=message.pk, status=Message.PENDING).update(
                changes=changes, due_at=min(message.due_at, at)
            )
            if not updated:  # today's digest has gone: tomorrow's carries the news
                tomorrow = policy.not_quiet(
                    timezone.datetime.combine(day + timezone.timedelta(days=1), rules.send_at, policy.TOKYO), rules
                )
                Message.objects.update_or_create(
                    contact_id=contact_id,
                    kind=Message.DIGEST,
                    day=tomorrow.astimezone(policy.TOKYO).date(),
                    defaults={"checklist": checklist, "changes": changes},
                    create_defaults={"checklist": checklist, "changes": changes, "due_at": tomorrow},
                )
