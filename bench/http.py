"""Benchmark: the portal's pages under gunicorn and wrk, side by side in one run with

1. the portal's pages: the subscribers grid of the 50,000-subscriber agreement (first page
   and a filtered page), the agreement overview, the partner's agreement list (home) and the
   Benefits page;
2. Django's own admin changelist over the same subscribers (what someone might use
   instead), first page and the same search;
3. a bare Django view returning a page of the grid's size from memory: the ceiling of this
   stack on this machine.

Each is measured at a fixed concurrency (wrk), with requests per second, median and 95th
percentile latency and the ratios to groups 2 and 3. Queries per request, and the server
time of one request at a time, are measured in-process against the same data.

The server is gunicorn with `bench.settings` (production's settings, DEBUG off, PostgreSQL,
Redis; bench/settings.py), on 127.0.0.1 only. Run it with `bench/run` (see bench/README.md).
"""

import argparse
import os
import runpy
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings"
FILTER = "martin"
TARGET_VS_ADMIN = 2.0
TARGET_VS_BARE = 0.5
TARGET_GRID_MEDIAN_MS = 50.0
TARGET_API_VS_GRID = 2.0
READY_SECONDS = 30.0
# wrk reports through this script: its own percentiles stop at 99 and skip 95.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def production_workers() -> int:
    """The number of workers gunicorn.conf.py gives the web process on this machine."""
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="The portal's pages under gunicorn and wrk, beside Django's admin "
        "changelist over the same data and a bare view of the same size.",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each (2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every page this many times, in turn, and report each one's median round (1)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=production_workers(),
        help="gunicorn sync workers (default: gunicorn.conf.py's, as production runs)",
    )
    parser.add_argument(
        "--server-requests",
        type=int,
        default=200,
        help="in-process requests per grid page for the server time (200)",
    )
    parser.add_argument(
        "--reseed", action="store_true", help="run seed_bench even if the data is there"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated page keys to measure over HTTP (grid,grid-filtered,api,overview,"
        "agreements,command-center,benefits,admin,admin-filtered,admin-agreements,bare,"
        "bare-signed-in); default all",
    )
    args = parser.parse_args(argv)
    if min(args.concurrency, args.threads, args.duration, args.workers) < 1:
        parser.error("--concurrency, --threads, --duration and --workers must be at least 1")
    args.threads = min(args.threads, args.concurrency)
    return args


# --- Set-up --------------------------------------------------------------------------------


def django_prepare(*, reseed: bool) -> None:
    """Settings, seeded data (seed_bench when absent), static files and translations."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    from bench.management.commands.seed_bench import database_ensure

    django.setup()
    database_ensure()
    call_command("migrate", interactive=False, verbosity=0)
    if reseed or not _seeded():
        print("Seeding the bench database (seed_bench) ...", flush=True)
        call_command("seed_bench")
    # Production serves the manifest's hashed names and compiled French.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("compilemessages", verbosity=0)


def _seeded() -> bool:
    from agreements.models import Agreement
    from bench import seed

    agreement = Agreement.objects.filter(authorization_number=seed.BIG_AUTHORIZATION).first()
    return agreement is not None and agreement.subscriptions.count() >= seed.DEFAULT_BIG // 2


def session_create(email: str, organization_name: str | None = None) -> str:
    """A signed-in session for `email`, as the sign-in view would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.accounts.models import User
    from portal.tenancy.context import SESSION_ORGANIZATION_KEY
    from portal.tenancy.models import Organization

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if organization_name:
        session[SESSION_ORGANIZATION_KEY] = Organization.objects.get(name=organization_name).pk
    session.create()
    return session.session_key


def api_token_make(email: str, organization_name: str):
    """A read token of the bench partner, made as its administrators make theirs."""
    import uuid

    from api.services import api_token_create
    from portal.accounts.models import User
    from portal.tenancy.context import actor_build
    from portal.tenancy.models import Organization

    organization = Organization.objects.get(name=organization_name)
    actor = actor_build(user=User.objects.get(email=email), organization_id=organization.pk)
    return api_token_create(actor=actor, name=f"bench {uuid.uuid4().hex[:8]}", scope="read")


@dataclass
class Page:
    key: str
    group: int
    label: str
    path: str
    session: str | None
    # An API token's secret, sent as a bearer (the API reads no session).
    bearer: str | None = None
    # Filled in-process.
    status: int = 0
    size: int = 0
    queries: int = 0
    # Filled by wrk.
    rps: float = 0.0
    median_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    http_size: float = 0.0
    server_ms: list[float] = field(default_factory=list)


def pages_build(sessions: dict[str, str], bearer: str) -> tuple[list[Page], str | None]:
    """The measured pages, and why the Benefits page is skipped, if it is."""
    from django.urls import NoReverseMatch, reverse

    from agreements.models import Agreement
    from bench import seed

    big = Agreement.objects.get(authorization_number=seed.BIG_AUTHORIZATION)
    grid = reverse("agreements:subscribers", args=[big.public_id])
    admin = f"/bench/admin/agreements/subscription/?agreement__id__exact={big.pk}"
    pages = [
        Page("grid", 1, "subscribers grid, first page", grid, sessions["partner"]),
        Page(
            "grid-filtered",
            1,
            f'subscribers grid, filter "{FILTER}"',
            f"{grid}?q={FILTER}",
            sessions["partner"],
        ),
        # The automation API's subscriber list over the same agreement, as the same partner.
        Page(
            "api",
            1,
            "API subscriber list, first 50",
            f"/api/v1/agreements/{big.public_id}/subscribers?limit=50",
            None,
            bearer=bearer,
        ),
        Page(
            "overview",
            1,
            "agreement overview",
            reverse("agreements:overview", args=[big.public_id]),
            sessions["partner"],
        ),
        Page(
            "agreements", 1, "partner's agreement list (home)", reverse("home"), sessions["partner"]
        ),
        Page(
            "command-center",
            1,
            "partner's command center",
            reverse("command_center:index"),
            sessions["partner"],
        ),
    ]
    skipped = None
    try:
        benefits = reverse("benefits:benefits_index")
    except NoReverseMatch:
        skipped = "there is no benefits:benefits_index URL yet"
    else:
        pages.append(Page("benefits", 1, "benefits page", benefits, sessions["partner"]))
    pages += [
        Page("admin", 2, "admin changelist, first page", admin, sessions["staff"]),
        Page(
            "admin-filtered",
            2,
            f'admin changelist, search "{FILTER}"',
            f"{admin}&q={FILTER}",
            sessions["staff"],
        ),
        # The command center's reference: the same agreements through Django's admin.
        Page(
            "admin-agreements",
            2,
            "admin changelist of agreements",
            "/bench/admin/agreements/agreement/",
            sessions["staff"],
        ),
        Page("bare", 3, "bare view, same bytes from memory", "/bench/bare/", None),
        # The same view for a signed-in partner: what the session, user and membership
        # lookups of the middleware cost before any page does its own work.
        Page(
            "bare-signed-in",
            3,
            "bare view, signed in (middleware lookups)",
            "/bench/bare/",
            sessions["partner"],
        ),
    ]
    return pages, skipped


# --- In-process: queries per request and server time ---------------------------------------


def _client(session_key: str | None, bearer: str | None = None):
    from django.conf import settings
    from django.test import Client

    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False, headers=headers)
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def _get(client, path: str):
    """GET `path`, following the one redirect a page may answer with (benefits index)."""
    response = client.get(path)
    if response.status_code in (301, 302) and response["Location"].startswith("/"):
        return response["Location"], client.get(response["Location"])
    return path, response


def _queries_of(client, path: str):
    """The response to GET `path` and its queries. The log is emptied first: each request
    empties it as it starts (request_started), which would skew the capture's offsets."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


def in_process_measure(pages: list[Page], *, server_requests: int) -> None:
    for page in pages:
        if page.key == "bare":
            continue
        client = _client(page.session, page.bearer)
        page.path, response = _get(client, page.path)  # warms caches and the session
        response, page.queries = _queries_of(client, page.path)
        page.status, page.size = response.status_code, len(response.content)
        measured_often = page.key.startswith(("grid", "api"))
        count = server_requests if measured_often else max(server_requests // 4, 1)
        for _ in range(count):
            started = time.perf_counter()
            client.get(page.path)
            page.server_ms.append((time.perf_counter() - started) * 1000)


def grid_small_measure(*, session: str, server_requests: int) -> tuple[int, int, list[float]]:
    """The grid of an agreement with a few hundred subscribers, for comparison: its queries
    and server time must not differ from the 50,000-subscriber one beyond noise."""
    from django.urls import reverse

    from agreements.models import Agreement, PartnerLink
    from bench import seed

    link = (
        PartnerLink.objects.granting_access()
        .filter(partner_organization__name=seed.BENCH_PARTNER_NAME)
        .exclude(agreement__authorization_number=seed.BIG_AUTHORIZATION)
        .order_by("agreement_id")
        .first()
    )
    agreement = Agreement.objects.get(pk=link.agreement_id)
    path = reverse("agreements:subscribers", args=[agreement.public_id])
    client = _client(session)
    client.get(path)
    _response, queries = _queries_of(client, path)
    times = []
    for _ in range(server_requests):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return agreement.subscriptions.assigned().count(), queries, times


# --- Over HTTP: gunicorn and wrk -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(*, port: int, workers: int, bare_page: Path, log: Path) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "BENCH_BARE_PAGE": str(bare_page),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + READY_SECONDS
    url = f"http://127.0.0.1:{port}/bench/bare/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    gunicorn_stop(process)
    raise RuntimeError(f"gunicorn did not answer within {READY_SECONDS:.0f} s; see {log}")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wrk_run(
    *, url: str, cookie: str | None, args, seconds: int, script: Path, bearer: str | None = None
) -> dict | None:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.concurrency}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if bearer:
        command += ["-H", f"Authorization: Bearer {bearer}"]
    result = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        print(result.stdout, result.stderr, file=sys.stderr)
        return None
    (requests, duration, size, p50, p95, p99, *errors) = (int(x) for x in line.split()[1:])
    return {
        "rps": requests / (duration / 1e6),
        "median_ms": p50 / 1000,
        "p95_ms": p95 / 1000,
        "p99_ms": p99 / 1000,
        "errors": sum(errors),
        "size": size / requests if requests else 0,
    }


def http_measure(pages: list[Page], *, args, port: int, script: Path) -> None:
    from django.conf import settings

    runs: dict[str, list[dict]] = {page.key: [] for page in pages}
    for round_number in range(1, args.rounds + 1):
        for page in pages:
            url = f"http://127.0.0.1:{port}{page.path}"
            cookie = f"{settings.SESSION_COOKIE_NAME}={page.session}" if page.session else None
            auth = {"cookie": cookie, "bearer": page.bearer}
            if args.warmup:
                wrk_run(url=url, **auth, args=args, seconds=args.warmup, script=script)
            measured = wrk_run(url=url, **auth, args=args, seconds=args.duration, script=script)
            if measured is None:
                continue
            runs[page.key].append(measured)
            rounds = f" (round {round_number} of {args.rounds})" if args.rounds > 1 else ""
            print(
                f"  measured {page.label:40} {measured['rps']:8.1f} req/s  "
                f"median {measured['median_ms']:6.1f} ms{rounds}",
                flush=True,
            )
    for page in pages:
        if not runs[page.key]:
            continue
        # The median round by throughput: one slow or lucky stretch of a shared machine
        # does not decide the figure. Errors count from every round.
        ordered = sorted(runs[page.key], key=lambda run: run["rps"])
        chosen = ordered[(len(ordered) - 1) // 2]
        page.rps, page.median_ms, page.p95_ms, page.p99_ms = (
            chosen["rps"],
            chosen["median_ms"],
            chosen["p95_ms"],
            chosen["p99_ms"],
        )
        page.errors = sum(run["errors"] for run in runs[page.key])
        page.http_size = chosen["size"]


# --- Report --------------------------------------------------------------------------------


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def python_speed_ms() -> float:
    """How fast this machine runs plain Python: the same pages take longer where this does."""
    return min(timeit.repeat("sum(range(10**6))", number=10, repeat=5)) / 10 * 1000


def report(
    pages: list[Page],
    *,
    args,
    skipped: str | None,
    small: tuple[int, int, list[float]],
    measured_http: bool,
) -> bool:
    """Print the tables; False if a page failed (not 200, or errors under load)."""
    from django.conf import settings

    conn_max_age = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    by_key = {page.key: page for page in pages}
    admin, admin_filtered, bare = by_key["admin"], by_key["admin-filtered"], by_key["bare"]
    failed = False
    print()
    if skipped:
        print(f"Benefits page: SKIPPED, {skipped}.")
    print(
        f"This machine: {os.cpu_count()} CPUs; Python sums range(10**6) in "
        f"{python_speed_ms():.1f} ms (best of 5), a yardstick for comparing machines.\n"
    )
    if measured_http:
        print(
            f"Over HTTP: gunicorn, {args.workers} sync workers, bench.settings (DEBUG off, "
            f"CONN_MAX_AGE={conn_max_age}); wrk, {args.threads} threads, {args.concurrency} "
            f"connections, {args.duration} s per page after {args.warmup} s of warm-up"
            + (
                f"; the median of {args.rounds} rounds, the pages taken in turn.\n"
                if args.rounds > 1
                else ".\n"
            )
        )
        print(
            f"  {'':44} {'req/s':>8} {'median':>8} {'p95':>8} {'queries':>8} {'KB':>6} "
            f"{'vs admin':>9} {'vs bare':>8}"
        )
    met = True
    for page in pages:
        if page.key != "bare" and page.status != 200:
            print(f"  {page.group} {page.label:42} HTTP {page.status} in-process: not measured")
            failed = True
            continue
        queries = "-" if page.key == "bare" else str(page.queries)
        if not measured_http:
            continue
        versus_admin = versus_bare = ""
        if page.group == 1 and page.rps:
            reference = {
                "grid-filtered": admin_filtered,
                "command-center": by_key["admin-agreements"],
            }.get(page.key, admin)
            ratio_admin = page.rps / reference.rps if reference.rps else 0
            ratio_bare = page.rps / bare.rps if bare.rps else 0
            versus_admin, versus_bare = f"{ratio_admin:8.2f}x", f"{ratio_bare:7.2f}x"
            met &= ratio_admin >= TARGET_VS_ADMIN and ratio_bare >= TARGET_VS_BARE
        errors = f"  {page.errors} errors/non-2xx!" if page.errors else ""
        failed |= bool(page.errors)
        print(
            f"  {page.group} {page.label:42} {page.rps:8.1f} {page.median_ms:6.1f}ms "
            f"{page.p95_ms:6.1f}ms {queries:>8} {page.http_size / 1024:6.1f} "
            f"{versus_admin:>9} {versus_bare:>8}{errors}"
        )
    if measured_http:
        print(
            "\n  vs admin: req/s over the admin changelist's (the filtered grid over the admin's "
            f"search); target >= {TARGET_VS_ADMIN:.0f}x. vs bare: over the bare view's; target "
            f">= {TARGET_VS_BARE:.1f}x."
        )
        grid = by_key["grid"]
        api = by_key["api"]
        if api.rps and grid.rps:
            api_ok = api.rps / grid.rps >= TARGET_API_VS_GRID
            met &= api_ok
            print(
                f"  API subscriber list vs the grid: {api.rps:.1f} vs {grid.rps:.1f} req/s, "
                f"{api.rps / grid.rps:.2f}x, target >= {TARGET_API_VS_GRID:.0f}x: "
                f"{'met' if api_ok else 'NOT MET'}"
            )
        grid_ok = grid.median_ms < TARGET_GRID_MEDIAN_MS
        met &= grid_ok
        print(
            f"  grid median at concurrency {args.concurrency}: {grid.median_ms:.1f} ms, target "
            f"< {TARGET_GRID_MEDIAN_MS:.0f} ms: {'met' if grid_ok else 'NOT MET'}"
        )
        center = by_key["command-center"]
        center_ok = 0 < center.median_ms < TARGET_GRID_MEDIAN_MS
        met &= center_ok
        print(
            f"  command center median: {center.median_ms:.1f} ms, target < "
            f"{TARGET_GRID_MEDIAN_MS:.0f} ms (the grid's): {'met' if center_ok else 'NOT MET'}"
            " (vs admin: over the admin changelist of agreements)"
        )
    print("\nIn-process, one request at a time (server time through every middleware):\n")
    print(f"  {'':52} {'requests':>8} {'median':>8} {'p95':>8} {'queries':>8}")
    for page in pages:
        if page.server_ms:
            print(
                f"  {page.label:52} {len(page.server_ms):8} "
                f"{statistics.median(page.server_ms):6.1f}ms "
                f"{_percentile(page.server_ms, 95):6.1f}ms {page.queries:8}"
            )
    small_count, small_queries, small_times = small
    print(
        f"  {'grid, first page, agreement of ' + format(small_count, ',') + ' subscribers':52} "
        f"{len(small_times):8} {statistics.median(small_times):6.1f}ms "
        f"{_percentile(small_times, 95):6.1f}ms {small_queries:8}"
    )
    grid = by_key["grid"]
    same = grid.queries == small_queries
    met &= same
    print(
        f"\n  queries, grid of 50,000 vs grid of {small_count:,}: {grid.queries} vs "
        f"{small_queries}: {'the same' if same else 'DIFFERENT'}"
    )
    print(f"\nTargets: {'all met' if met else 'NOT all met'}.")
    return not failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: bench/run installs it (apt-get install wrk).")
        return 2
    django_prepare(reseed=args.reseed)
    from django.contrib.sessions.models import Session

    from bench import seed

    sessions = {
        "partner": session_create(seed.BENCH_PARTNER_USER, seed.BENCH_PARTNER_NAME),
        "staff": session_create(seed.BENCH_STAFF_USER),
    }
    token, bearer = api_token_make(seed.BENCH_PARTNER_USER, seed.BENCH_PARTNER_NAME)
    work = Path(tempfile.mkdtemp(prefix="portal-bench-http-"))
    try:
        pages, skipped = pages_build(sessions, bearer)
        if skipped:
            print(f"Benefits page: SKIPPED, {skipped}.")
        print("In-process: queries per request and server time ...", flush=True)
        in_process_measure(pages, server_requests=args.server_requests)
        small = grid_small_measure(
            session=sessions["partner"], server_requests=args.server_requests
        )
        bare_page = work / "grid.html"
        bare_page.write_bytes(_get(_client(sessions["partner"]), pages[0].path)[1].content)
        by_key = {page.key: page for page in pages}
        for key in ("bare", "bare-signed-in"):
            by_key[key].status, by_key[key].size = 200, bare_page.stat().st_size
        only = {key for key in args.only.split(",") if key}
        measured = [page for page in pages if not only or page.key in only]
        script = work / "report.lua"
        script.write_text(WRK_SCRIPT)
        port = _free_port()
        log = work / "gunicorn.log"
        print(f"gunicorn on 127.0.0.1:{port} ({args.workers} workers), log {log} ...", flush=True)
        server = gunicorn_start(port=port, workers=args.workers, bare_page=bare_page, log=log)
        try:
            http_measure(measured, args=args, port=port, script=script)
        finally:
            gunicorn_stop(server)
        ok = report(pages, args=args, skipped=skipped, small=small, measured_http=True)
    finally:
        Session.objects.filter(session_key__in=sessions.values()).delete()
        token.delete()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
