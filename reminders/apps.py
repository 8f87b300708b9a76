from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        from celery.signals import task_prerun
        from django.db import close_old_connections

        # With CELERY_DB_REUSE_MAX the worker keeps its connection between tasks; one that broke
        # (a database restart) or outlived CONN_MAX_AGE is closed here and opened afresh. Not for a
        # task run in-process (apply(), eager): that connection is the caller's, maybe mid-transaction
        # (as Celery's own Django fix-up leaves it).
        def fresh_connection(task=None, **kwargs):
            if task is None or not getattr(task.request, "is_eager", False):
                close_old_connections()

        task_prerun.connect(fresh_connection, weak=False)
