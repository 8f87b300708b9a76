from django.core.management.base import BaseCommand

from counter.services import cases_purge_expired


class Command(BaseCommand):
    help = "Delete the personal details of counter cases older than COUNTER_RETENTION_DAYS (the facts stay for statistics)."

    def handle(self, *args, **options):
        count = cases_purge_expired()
        self.stdout.write(f"purged {count} case(s)")
