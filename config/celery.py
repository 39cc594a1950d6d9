"""The Celery app. Our code enqueues its tasks with core.enqueue.enqueue_on_commit."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("uniqc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
