"""Settings for the HTTP and import benchmarks: production's, pointed at the bench's own
database and Redis database, with a URL conf that adds what only the benchmarks need (the
bare ceiling view and an admin changelist of subscriptions) and the `seed_bench` command.

    DJANGO_SETTINGS_MODULE=bench.settings python manage.py seed_bench

Every value below is only a default: the environment wins, as in production.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123456789")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_http")
# Not 0 (the demo), 1 (the test suite) or 3 (the notifications benchmark).
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("CACHE_KEY_PREFIX", "portal-bench-http")
# Tasks the measured pages queue go to a queue no worker reads; the harness empties it.
os.environ.setdefault("CELERY_QUEUE", "bench-http")
# Product keys of the bench's benefits are encrypted with this bench-only Fernet key.
os.environ.setdefault("BENEFIT_KEY_ENCRYPTION_KEYS", "YmVuY2gtb25seS1mZXJuZXQta2V5LTAxMjM0NTY3ODk=")
# wrk's thousands of requests a second with one API token are the measurement, not abuse.
os.environ.setdefault("API_RATE_LIMIT", "1000000000")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Plain http on 127.0.0.1, as docker compose runs it.
for name in (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
):
    os.environ.setdefault(name, "false")

from portal.settings.production import *  # noqa: E402, F403
from portal.settings.production import INSTALLED_APPS, env  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# `bench/run` collects the static files here, so the manifest storage finds them.
STATIC_ROOT = env(
    "BENCH_STATIC_ROOT", default=str(Path(tempfile.gettempdir()) / "portal-bench-static")
)
# No email leaves the machine, whatever a benchmark does.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
