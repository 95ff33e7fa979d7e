"""Benchmark: does the time of an answer say whether an address has an account?

Posts the password-reset form and the sign-up form, in turn, for an address that has an
account and for one that has none, through Django's full request path (middleware, forms,
the Celery publish of the reset task to a queue no worker reads) under the bench's
production settings, and prints the median and spread of each side by side. The suite
proves the two sides do the same queries and queue the same task; this shows what that
means in milliseconds. Rate limits are lifted for the run; the accounts, emails and queued
tasks it makes are deleted at the end.

Run from the repository root, on a migrated bench database (see bench/README.md):

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python -m bench.enumeration [--rounds 200]
"""

import argparse
import os
import statistics
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
# Past the limits both sides answer alike anyway; the run measures the work under them.
for name in ("PASSWORD_RESET_LIMIT", "EMAIL_RESEND_LIMIT"):
    os.environ[name] = "1000000000"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

# The pages' static links need no hashed manifest (collectstatic) to be timed.
settings.STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
from django.urls import reverse  # noqa: E402

from notifications.models import Notification  # noqa: E402
from portal import celery_app  # noqa: E402
from portal.accounts.models import User  # noqa: E402

KNOWN = "bench-enumeration-known@example.com"
PASSWORD = "a-long-bench-only-passphrase-42"  # noqa: S105 (a throwaway bench account)


def _timed(client: Client, url: str, data: dict) -> float:
    started = time.perf_counter()
    response = client.post(url, data)
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 302), response.status_code
    return elapsed * 1000


def _measure(rounds: int) -> dict[str, dict[str, list[float]]]:
    client = Client(REMOTE_ADDR="192.0.2.10")
    reset, sign_up = reverse("accounts:password_reset"), reverse("accounts:sign_up")
    times: dict[str, dict[str, list[float]]] = {
        "password reset": {"known": [], "unknown": []},
        "sign-up": {"known": [], "unknown": []},
    }
    for n in range(rounds):
        # Alternate the order, so that neither side always runs with a warmer cache.
        sides = ("known", "unknown") if n % 2 == 0 else ("unknown", "known")
        for side in sides:
            email = (
                KNOWN if side == "known" else f"bench-enumeration-{uuid.uuid4().hex}@example.com"
            )
            times["password reset"][side].append(_timed(client, reset, {"email": email}))
            signup = {
                "full_name": "Bench Visitor",
                "email": email,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "preferred_language": "en",
            }
            times["sign-up"][side].append(_timed(client, sign_up, signup))
    return times


def _row(label: str, values: list[float]) -> str:
    quartiles = statistics.quantiles(values, n=4)
    return (
        f"  {label:<8} median {statistics.median(values):7.2f} ms   "
        f"quartiles {quartiles[0]:7.2f} to {quartiles[2]:7.2f} ms   ({len(values)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    known, _ = User.objects.get_or_create(email=KNOWN, defaults={"full_name": "Known Person"})
    known.set_password(PASSWORD)
    known.save()
    try:
        _measure(5)  # warm-up: imports, connections, template caches
        times = _measure(rounds)
    finally:
        User.objects.filter(email__startswith="bench-enumeration-").delete()
        Notification.objects.filter(recipient__startswith="bench-enumeration-").delete()
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    for form, sides in times.items():
        print(f"{form}:")
        for side in ("known", "unknown"):
            print(_row(side, sides[side]))
        difference = statistics.median(sides["known"]) - statistics.median(sides["unknown"])
        print(f"  known - unknown: {difference:+.2f} ms (median)")


if __name__ == "__main__":
    main()
