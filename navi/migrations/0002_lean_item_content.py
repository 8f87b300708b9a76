"""Stored items as the API now sends them: the procedure as the contract names it, no full legal basis.

A checklist item used to carry its procedure's description, place, hours and fee and its full
citations; the API leaves those to /api/v1/procedures/{code}/ and the resident pages take them
from the catalogue version the checklist was built on. This rewrites the stored items to match.
Backwards it changes nothing: the pages read either shape.
"""

import orjson
from django.db import migrations

PROCEDURE_KEYS = ("code", "name", "department", "counter", "office", "online_url")
BATCH = 2000


def lean(content: str) -> str:
    item = orjson.loads(content)
    item.pop("legal_basis", None)
    procedure = item.get("procedure") or {}
    item["procedure"] = {k: procedure.get(k) for k in PROCEDURE_KEYS}
    return orjson.dumps(item).decode()


def forwards(apps, schema_editor):
    ChecklistItem = apps.get_model("navi", "ChecklistItem")
    changed = []
    for item in ChecklistItem.objects.only("id", "content").order_by("id").iterator(chunk_size=BATCH):
        content = lean(item.content)
        if content != item.content:
            item.content = content
            changed.append(item)
        if len(changed) >= BATCH:
            ChecklistItem.objects.bulk_update(changed, ["content"])
            changed = []
    if changed:
        ChecklistItem.objects.bulk_update(changed, ["content"])


class Migration(migrations.Migration):
    dependencies = [("navi", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
