"""Tasks enqueue after commit, run eagerly without a broker, and a real worker runs them."""

import pytest
from django.db import transaction

from config.celery import app
from config.tasks import worker_echo
from core.enqueue import enqueue_on_commit


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_in_transaction_waits_for_commit(monkeypatch):
    sent = []
    monkeypatch.setattr(worker_echo, "apply_async", lambda args, kwargs: sent.append(args))
    with transaction.atomic():
        enqueue_on_commit(worker_echo, "after-commit")
        assert sent == []
    assert sent == [("after-commit",)]


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_in_rolled_back_transaction_never_runs(monkeypatch):
    sent = []
    monkeypatch.setattr(worker_echo, "apply_async", lambda args, kwargs: sent.append(args))
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(worker_echo, "rolled-back")
        raise RuntimeError("abort")
    assert sent == []


@pytest.mark.django_db
def test_without_broker_tasks_run_in_process():
    assert app.conf.task_always_eager
    result = worker_echo.delay({"n": 1})
    assert result.get()["payload"] == {"n": 1}


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_task_from_redis(celery_worker_process, real_broker):
    from django.db import connection

    result = worker_echo.delay({"order": 42})
    assert not result.ready() or result.successful()
    answer = result.get(timeout=30)
    assert answer["payload"] == {"order": 42}
    # The worker is another process that reached the same test database.
    assert answer["database"] == str(connection.settings_dict["NAME"])
    assert real_broker.conf.broker_url.startswith("redis://")
