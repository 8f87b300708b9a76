from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        from celery.signals import task_prerun
        from django.db import close_old_connections

        # With CELERY_DB_REUSE_MAX the worker keeps its connection between tasks; one that broke
        # (a database restart) or outlived CONN_MAX_AGE is closed here and opened afresh.
        task_prerun.connect(lambda **kwargs: close_old_connections(), weak=False)
