"""The items move into their checklist's row: one JSON object per line, the ticks beside them by key.

A checklist was written as one row plus one row per item (some 35 for a family moving house),
each with its index entries and foreign-key check: most of the database's work on a POST. Now it
is one row, whose items (some 50 KB of JSON) go to TOAST compressed with lz4, where the server
has it (PostgreSQL 14 or later, built with lz4), as the merged documents already do.

The data moves both ways: forwards, each checklist's item rows, in order, become its lines and
its done rows its ticks; backwards, the lines become rows again.
"""

from datetime import datetime

import django.db.models.deletion
import orjson
from django.db import migrations, models

import navi.models

LZ4 = "ALTER TABLE navi_checklist ALTER COLUMN items SET COMPRESSION {}"


def _has_lz4(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
    return row is not None and "lz4" in row[0]


def items_lz4(apps, schema_editor):
    if _has_lz4(schema_editor):
        schema_editor.execute(LZ4.format("lz4"))


def items_default(apps, schema_editor):
    if _has_lz4(schema_editor):
        schema_editor.execute(LZ4.format("default"))


def rows_to_lines(apps, schema_editor):
    Checklist = apps.get_model("navi", "Checklist")
    ChecklistItem = apps.get_model("navi", "ChecklistItem")
    for checklist in Checklist.objects.only("pk", "updated_at").iterator(chunk_size=500):
        rows = ChecklistItem.objects.filter(checklist_id=checklist.pk).order_by("position")
        lines, ticks = [], {}
        for row in rows.only("key", "content", "done", "done_at"):
            lines.append(row.content)
            if row.done:
                ticks[row.key] = (row.done_at or checklist.updated_at).isoformat()
        Checklist.objects.filter(pk=checklist.pk).update(items="\n".join(lines), ticks=ticks)


def lines_to_rows(apps, schema_editor):
    Checklist = apps.get_model("navi", "Checklist")
    ChecklistItem = apps.get_model("navi", "ChecklistItem")
    for checklist in Checklist.objects.only("pk", "items", "ticks").iterator(chunk_size=500):
        rows = []
        for position, content in enumerate(checklist.items.split("\n") if checklist.items else ()):
            data = orjson.loads(content)
            ticked = checklist.ticks.get(data["key"])
            rows.append(
                ChecklistItem(
                    checklist_id=checklist.pk,
                    key=data["key"],
                    position=position,
                    procedure_code=data["procedure"]["code"],
                    member_key=data["member"],
                    status=data["status"],
                    deadline=data["deadline"],
                    done=ticked is not None,
                    done_at=None if ticked is None else datetime.fromisoformat(ticked),
                    content=content,
                )
            )
        ChecklistItem.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("navi", "0005_lighter_checklist_writes"),
    ]

    operations = [
        # The rows' reverse accessor leaves the name "items" to the new field while both exist.
        migrations.AlterField(
            model_name="checklistitem",
            name="checklist",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="navi.checklist"
            ),
        ),
        migrations.AddField(
            model_name="checklist",
            name="items",
            field=models.TextField(
                blank=True,
                default="",
                help_text="the items as the API shows them without their ticks: one JSON object per line",
            ),
        ),
        migrations.AddField(
            model_name="checklist",
            name="ticks",
            field=navi.models.JSONTextField(default=dict, help_text="the items marked done: key → when (ISO 8601)"),
        ),
        migrations.RunPython(items_lz4, items_default, elidable=True),
        migrations.RunPython(rows_to_lines, lines_to_rows),
        migrations.DeleteModel(name="ChecklistItem"),
    ]
