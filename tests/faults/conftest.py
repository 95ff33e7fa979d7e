"""The fault suite: real processes (a Celery worker, its own redis-server and PostgreSQL on
spare ports, a recording SMTP server), faults injected into them, and exact counts. Its
figures are printed as one table at the end of the run."""

import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import caches

from portal import celery_app

from ..agreements.conftest import agreement, customer_client, super_admin  # noqa: F401
from .servers import PostgresCluster, RedisServer, SmtpServer, manage


@dataclass(frozen=True)
class Figures:
    case: str
    expected: int
    received: int
    duplicated: int
    lost: int
    http_5xx: int


FIGURES: list[Figures] = []


@pytest.fixture
def fault_figures():
    """Record one case's figures for the table; the test asserts them itself."""

    def record(case: str, *, expected: int, received: int, duplicated: int, lost: int, http_5xx=0):
        FIGURES.append(Figures(case, expected, received, duplicated, lost, http_5xx))

    return record


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    header = ("case", "expected", "received", "duplicated", "lost", "HTTP 5xx")
    rows = [(f.case, f.expected, f.received, f.duplicated, f.lost, f.http_5xx) for f in FIGURES]
    width = max(len(header[0]), *(len(row[0]) for row in rows))
    terminalreporter.section("fault suite")
    terminalreporter.write_line(
        f"{header[0]:<{width}}  " + "  ".join(f"{title:>10}" for title in header[1:])
    )
    for row in rows:
        terminalreporter.write_line(
            f"{row[0]:<{width}}  " + "  ".join(f"{value:>10}" for value in row[1:])
        )


@pytest.fixture
def fault_redis(settings):
    """The suite's own redis-server, running: this process's broker (database 0) and cache
    (database 1, the rate limits too) point at it, so that the test may stop it."""
    server = RedisServer()
    server.start()
    location = server.url(1)
    settings.CACHES = {
        alias: {**config, "LOCATION": location} for alias, config in settings.CACHES.items()
    }
    queue = f"fault-{uuid.uuid4().hex}"
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        broker_url=server.url(0), task_always_eager=False, task_default_queue=queue
    )
    celery_app._after_fork()  # forget pooled connections to the shared broker
    server.queue = queue
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.update(saved)
        celery_app._after_fork()
        caches.close_all()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fault_postgres():
    """The suite's own PostgreSQL cluster, migrated, that a test may restart."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        manage("migrate", "--no-input", env={"DATABASE_URL": cluster.url()})
        yield cluster
    finally:
        cluster.stop()


def worker_env(redis: RedisServer, smtp: SmtpServer, **more: str) -> dict[str, str]:
    """A worker on the suite's Redis and SMTP server, with short limits so that claims run out
    within a test: the lease is longer than the hard limit, as in production."""
    return {
        "REDIS_URL": redis.url(0),
        "EMAIL_URL": smtp.url,
        "EMAIL_TIMEOUT": "3",
        "CELERY_TASK_SOFT_TIME_LIMIT": "8",
        "CELERY_TASK_TIME_LIMIT": "10",
        "NOTIFICATION_CLAIM_LEASE": "12",
        **more,
    }
