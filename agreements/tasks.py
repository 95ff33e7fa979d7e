"""Celery tasks of the agreements app. They live in the modules of their areas; importing
those here lets Celery's autodiscovery register them."""

from . import usage, workbooks  # noqa: F401
