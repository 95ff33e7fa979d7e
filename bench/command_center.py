"""Benchmark: where the command center's time goes, part by part.

`bench/run` measures the whole page over HTTP beside the admin changelist of agreements;
this splits the page's server time into its parts, for the bench partner (see
bench/README.md, "The command center"): the whole request, the page's selector (the ids,
then the rows' three queries), the bell's count, the filter form, the rows' markup, and a
page of the same layout without the table (the person search, empty), which is what every
page costs before its own content. Each part is timed on its own, in-process, through
Django's test client or by calling the code the view calls.

Run from the repository root, on a seeded bench database (`bench/run` seeds it):

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python -m bench.command_center [--rounds 100]
"""

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from alerts.selectors.alerts import alert_count  # noqa: E402
from bench import seed  # noqa: E402
from bench.http import _client, _percentile, session_create  # noqa: E402
from command_center import selectors  # noqa: E402
from command_center.forms import CommandCenterFilterForm  # noqa: E402
from command_center.selectors import Filters  # noqa: E402
from command_center.templatetags.command_center_table import command_center_rows  # noqa: E402

PAGE_SIZE = 50


def timed(label: str, work: Callable[[], object], rounds: int) -> None:
    work()  # warm: connections, caches, translations
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"  {label:44s} min {min(times):6.1f}  p25 {_percentile(times, 25):6.1f}  "
        f"median {_percentile(times, 50):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    rounds = parser.parse_args().rounds

    client = _client(session_create(seed.BENCH_PARTNER_USER, seed.BENCH_PARTNER_NAME))
    index = reverse("command_center:index")
    response = client.get(index)
    assert response.status_code == 200, response.status_code
    actor = response.wsgi_request.actor
    today = timezone.localdate()
    filters = Filters()

    def page():
        return selectors.command_center_page(
            actor=actor, filters=filters, today=today, number=1, size=PAGE_SIZE
        )

    def form():
        bound = CommandCenterFilterForm({}, actor=actor)
        bound.filters()
        return "".join(str(field) for field in bound)

    shown = page()
    ids = [row.pk for row in shown]
    print(f"The bench partner's command center, {rounds} rounds each (in-process):")
    timed("whole request", lambda: client.get(index), rounds)
    timed("page's selector (ids, then rows)", page, rounds)
    timed(
        "  the ids of every row kept",
        lambda: list(selectors._chosen_ids(actor=actor, filters=filters, today=today)),
        rounds,
    )
    timed(
        "  the rows shown (three queries)",
        lambda: selectors._rows_of(ids, actor=actor, today=today),
        rounds,
    )
    timed("bell's count", lambda: alert_count(actor=actor), rounds)
    timed("filter form, rendered", form, rounds)
    timed("rows' markup", lambda: command_center_rows(shown), rounds)
    timed(
        "same layout, no table (person search, empty)",
        lambda: client.get(reverse("command_center:people")),
        rounds,
    )


if __name__ == "__main__":
    main()
