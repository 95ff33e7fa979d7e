"""Celery tasks are addressed by name, in the beat schedule and in messages already queued:
every task pins its name, so that moving a module breaks neither."""

import ast

from django.conf import settings

from portal import celery_app

from .paths import ROOT
from .scoping_lint import APP_DIRS


def _tasks() -> dict[str, bool]:
    """Every task defined in the apps, and whether its decorator names it."""
    found = {}
    for directory in APP_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                for decorator in getattr(node, "decorator_list", []):
                    bare = isinstance(decorator, ast.Name) and decorator.id == "shared_task"
                    called = (
                        isinstance(decorator, ast.Call)
                        and getattr(decorator.func, "id", "") == "shared_task"
                    )
                    if bare or called:
                        named = called and any(k.arg == "name" for k in decorator.keywords)
                        found[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = named
    return found


def test_every_task_pins_its_name():
    tasks = _tasks()

    assert len(tasks) >= 10, "the scan would prove nothing"
    assert [task for task, named in tasks.items() if not named] == []


def test_every_scheduled_task_is_registered_under_its_name():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled - set(celery_app.tasks) == set()
