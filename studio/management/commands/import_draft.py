from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Import catalogue files as a new rule studio draft: a catalogue folder (with --scenarios, a stories "
        "folder) or a zip in the layout of fixtures/ (catalogue/, scenarios/). All or nothing: on any error "
        "nothing is stored and the loader's messages name file, field and problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="catalogue folder, or a .zip holding catalogue/ and scenarios/")
        parser.add_argument("--title", required=True, help="what the draft is about")
        parser.add_argument("--actor", required=True, help="username of the catalogue editor importing it")
        parser.add_argument("--scenarios", help="stories folder (<name>.yaml), for a catalogue folder")

    def handle(self, *args, path, title, actor, scenarios=None, **options):
        from studio.exchange import draft_import, read_folders, unpack_zip
        from studio.services import DraftInvalid

        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"no user '{actor}'")
        source = Path(path)
        try:
            if source.is_file():
                if scenarios:
                    raise CommandError("--scenarios goes with a catalogue folder; a zip holds its own scenarios/")
                bundle = unpack_zip(source.read_bytes(), source.name)
            else:
                bundle = read_folders(source, Path(scenarios) if scenarios else None)
            draft = draft_import(actor=user, title=title, bundle=bundle)
        except DraftInvalid as exc:
            raise CommandError(f"not imported, nothing stored:\n{exc}") from exc
        except PermissionDenied as exc:
            raise CommandError(f"'{actor}' may not create drafts (a catalogue editor or approver may)") from exc
        self.stdout.write(
            f"imported {len(bundle.catalogue)} files as draft {draft.pk} ({draft.title}); "
            f"{len(draft.stories)} stories new or changed"
        )
