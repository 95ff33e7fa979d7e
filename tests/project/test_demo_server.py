"""The demo as bin/demo serves it (local settings, SQLite, runserver): a person who meets a
missing page sees the product's page, not Django's technical one."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from ..notifications.conftest import free_port
from .paths import ROOT


@pytest.fixture
def demo_server(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    for name in ("REDIS_URL", "DEBUG", "CACHE_KEY_PREFIX"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/accounts/sign-in/", timeout=2)  # noqa: S310
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)


def test_the_demo_shows_the_products_own_not_found_page(demo_server):
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{demo_server}/no-such-page/", timeout=5)  # noqa: S310

    page = missing.value.read().decode()
    assert missing.value.code == 404
    assert "Using the URLconf" not in page, "Django's technical 404 lists the URL patterns"
    assert "Partner Portal" in page
    stylesheet = urllib.request.urlopen(f"{demo_server}/static/css/portal.css", timeout=5)  # noqa: S310
    assert stylesheet.status == 200, "static files are served with DEBUG off"
