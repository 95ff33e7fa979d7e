import os
import subprocess
import sys

from .paths import ROOT

# Set by the test run itself (the browser tests allow sync ORM calls), never in production.
TEST_ONLY_VARIABLES = {"DEBUG", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        REDIS_URL="redis://127.0.0.1:6379/2",
        ALLOWED_HOSTS="portal.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    environment = {
        k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES | {"SECRET_KEY"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "REDIS_URL": "redis://127.0.0.1:6379/2",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
