import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Take in a new release of the national layer as a rule studio draft of the version in force, the "
        "municipality's overrides and local procedures kept. Prints what was taken automatically and the "
        "conflicts (settled one by one in the studio) as JSON; nothing is stored if the result does not load."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder holding national/ (or the national folder itself), or a .zip")
        parser.add_argument("--draft-title", required=True, help="what the draft is about")
        parser.add_argument("--actor", required=True, help="username of the catalogue editor taking it in")

    def handle(self, *args, path, draft_title, actor, **options):
        from studio.exchange import draft_national_update, read_release_folder, unpack_release
        from studio.services import DraftInvalid

        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"no user '{actor}'")
        release = Path(path)
        try:
            files = unpack_release(release.read_bytes(), release.name) if release.is_file() else None
            files = files if files is not None else read_release_folder(release)
            draft = draft_national_update(actor=user, title=draft_title, national_files=files)
        except DraftInvalid as exc:
            raise CommandError(f"not taken in, nothing stored:\n{exc}") from exc
        except PermissionDenied as exc:
            raise CommandError(f"'{actor}' may not create drafts (a catalogue editor or approver may)") from exc
        update = draft.national_update
        report = {
            "draft": draft.pk,
            "taken": update["taken"],
            "conflicts": [{k: v for k, v in c.items() if k != "status"} for c in update["conflicts"]],
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        self.stderr.write(
            f"draft {draft.pk}: {len(update['taken'])} entries taken automatically, "
            f"{len(update['conflicts'])} conflicts to settle in the studio"
        )
