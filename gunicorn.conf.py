"""gunicorn's settings for the portal's web process. gunicorn reads ./gunicorn.conf.py by
itself, so the image, docker compose and bench/run all start from here; command-line options
(bench/run's --bind and --workers) and GUNICORN_CMD_ARGS override it."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, gunicorn's advice of two per CPU and one more: a request is a few short
# queries and a template, so a worker waits little. (gunicorn's own default is one worker.)
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
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
