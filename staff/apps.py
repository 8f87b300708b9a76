from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff accounts"

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings check)
