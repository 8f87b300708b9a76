import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("navi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from reminders.queues import configure as configure_reminders  # noqa: E402

configure_reminders(app)
