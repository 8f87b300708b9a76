"""Create a staff account from the server's command line, e.g. the first supervisor.

    python manage.py create_staff --role supervisor USERNAME

The password is asked for twice (or read from DJANGO_STAFF_PASSWORD with --no-input).
Supervisors set up two-factor authentication at their first login.
"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from staff.permissions import ROLES
from staff.services import staff_create_from_command_line


class Command(BaseCommand):
    help = "Create a staff account with one or more roles (e.g. the first supervisor)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role", dest="roles", action="append", choices=ROLES, required=True, help="repeat for several roles"
        )
        parser.add_argument("--department", default="", help="for the department role: the department's name (課)")
        parser.add_argument(
            "--no-input", dest="interactive", action="store_false", help="read the password from DJANGO_STAFF_PASSWORD"
        )

    def handle(self, *args, username, roles, department, interactive, **options):
        password = self._password() if interactive else os.environ.get("DJANGO_STAFF_PASSWORD", "")
        if not password:
            raise CommandError("no password: type one, or set DJANGO_STAFF_PASSWORD with --no-input")
        try:
            user = staff_create_from_command_line(
                username=username, password=password, roles=roles, department=department
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"created {user.get_username()} ({', '.join(roles)})"))

    @staticmethod
    def _password() -> str:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
        return password
