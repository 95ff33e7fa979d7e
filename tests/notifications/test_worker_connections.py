"""A worker keeps its database connection from task to task, as a web process does from
request to request (Celery would open a new one for every task), and drops it when old."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from portal.celery import _database_connections_tidy


def _task(*, eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_connection_between_tasks_until_it_is_too_old():
    connection.ensure_connection()
    opened = connection.connection

    _database_connections_tidy(task=_task(eager=False))
    assert connection.connection is opened, "the next task reuses it"

    connection.close_at = time.monotonic() - 1  # past CONN_MAX_AGE
    _database_connections_tidy(task=_task(eager=False))
    assert connection.connection is None


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_transaction_alone():
    connection.ensure_connection()
    opened = connection.connection

    _database_connections_tidy(task=_task(eager=True))

    assert connection.connection is opened and connection.in_atomic_block
