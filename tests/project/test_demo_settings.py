"""The demo (bin/demo: portal.settings.local) shows the product's own error pages: DEBUG is
off unless a developer turns it on."""

import os
import subprocess
import sys

from .paths import ROOT

READ_DEBUG = (
    "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)"
)


def _debug_with(environment: dict[str, str]) -> str:
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.local", **environment)
    result = subprocess.run(
        [sys.executable, "-c", READ_DEBUG], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_demo_runs_with_debug_off():
    assert _debug_with({}) == "False"


def test_a_developer_can_turn_debug_on():
    assert _debug_with({"DEBUG": "true"}) == "True"
