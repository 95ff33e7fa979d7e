"""gunicorn's settings for the portal's web process. gunicorn reads ./gunicorn.conf.py by
itself, so the image, docker compose and bench/run all start from here; command-line options
(bench/run's --bind and --workers) and GUNICORN_CMD_ARGS override it."""

import gc
import multiprocessing
import os

# portal.wsgi's default, set before logger_class below imports the portal package (whose
# Celery app would otherwise default to the local settings first).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, one per CPU and one more. A request is a few short queries and a template,
# so a worker seldom waits: more workers than CPUs only take turns, and on a busy 2-CPU
# machine 5 workers served the subscribers grid 10-30 % slower than 2 or 3 (bench/README.md).
# The extra one keeps the CPUs busy while a worker streams an export or waits on the
# database. (gunicorn's own default is a single worker.)
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request stuck this long is killed and logged rather than holding its worker.
timeout = 30
# Each worker is replaced after about this many requests, bounding any slow memory growth;
# the jitter keeps them from all restarting at once.
max_requests = 5000
max_requests_jitter = 500
# The application is imported once, before the workers fork: a replacement worker serves at
# once instead of spending a second importing Django (and the workers share that memory).
preload_app = True
# Access lines (when --access-logfile asks for them, as docker compose does) name the client,
# the request, the answer, its size and time, the referer and the browser; the logger
# replaces every token of a link in them with [redacted] (portal/log_redaction.py).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
logger_class = "portal.gunicorn_hooks.TokenRedactingLogger"


def on_starting(server):
    """In the master, before anything is served: answers carry no `Server: gunicorn`."""
    from portal.gunicorn_hooks import server_banner_remove

    server_banner_remove()


def when_ready(server):
    """In the master, with the application imported and before any worker forks: the
    collector leaves what is loaded so far alone (Python's advice for forking servers), so
    collections in the workers are shorter and do not copy the shared pages."""
    gc.freeze()
