"""Benchmark: emails through the outbox and one real Celery worker process.

One run, one worker process (`celery -A bench.worker_app worker`, prefork, concurrency 1 by
default), the real Redis broker, PostgreSQL, and an SMTP sink in a process of its own:

1. N no-op tasks are published to a private queue the worker is not consuming; the worker is
   then told to consume it, and the clock runs until the queue is empty and every message is
   acknowledged. That rate is the floor the broker and Celery put under any task.
2. N outbox rows (the "invitation" email kind, real templates, English and French recipients)
   are written with `notification_enqueue`, whose commits publish N `notification_send` tasks
   to the same paused queue; the same worker consumes them, timed the same way.
3. N no-op tasks again, so that a machine busier during one phase than another shows.
4. Every email must reach the SMTP sink exactly once, in its recipient's language, and every
   outbox row must be sent on its first attempt.

Run from the repository root (see bench/README.md):

    .venv/bin/python -m bench.notifications [--count 10000] [--noop-count N] [--concurrency 1]
"""

import argparse
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
# Not /1, which the test suite uses: the drain check reads the broker's "unacked" hash, which
# every queue of a Redis database shares, so no other worker may use this one.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
SETTINGS_MODULE = "portal.settings.test"
TARGET_RATIO = 0.5

ORGANIZATION_NAME = "Fabrikam Électronique (bench)"
INVITER_EMAIL = "bench.inviter@example.com"
INVITER_NAME = "Chloé Durand"
ENQUEUE_BATCH = 500

# kombu's Redis transport keeps every delivered, not yet acknowledged message in this hash.
UNACKED_KEY = "unacked"
UNACKED_INDEX_KEY = "unacked_index"
# One run at a time: a second one would empty the outbox under the first.
LOCK_KEY = "bench:notifications:lock"
LOCK_SECONDS = 30 * 60
POLL_SECONDS = 0.005
STALL_SECONDS = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.notifications",
        description="Emails per second through the outbox and one real worker process, beside "
        "the same worker's rate on a no-op task.",
    )
    parser.add_argument("--count", type=int, default=10_000, help="emails (default 10000)")
    parser.add_argument(
        "--noop-count",
        type=int,
        default=None,
        help="no-op tasks in each of the two no-op runs (default: same as --count)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="worker pool processes (default 1)"
    )
    parser.add_argument(
        "--pool",
        choices=("prefork", "solo", "threads"),
        default="prefork",
        help="the worker's pool (default prefork, as in docker compose); solo runs the tasks "
        "in the worker process itself, with no pool process beside it",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="created and migrated if absent; its outbox is emptied at the start "
        f"(default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help=f"broker; no other worker may use this database (default {DEFAULT_REDIS_URL})",
    )
    args = parser.parse_args(argv)
    if args.noop_count is None:
        args.noop_count = args.count
    if args.count < 1 or args.noop_count < 1 or args.concurrency < 1:
        parser.error("--count, --noop-count and --concurrency must be at least 1")
    return args


# --- Set-up: environment, database, data -------------------------------------------------


def environment_configure(*, database_url: str, redis_url: str, queue: str) -> None:
    """Point this process (and the worker, which inherits the environment) at the bench's
    database, broker database and private queue, before Django reads its settings."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "portal-bench",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_QUEUE": queue,
        }
    )
    os.environ.pop("EMAIL_URL", None)


def database_ensure(database_url: str) -> None:
    import environ

    from bench.database import database_ensure as ensure

    ensure(environ.Env.db_url_config(database_url))


def django_setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def bench_data_reset() -> tuple[Any, Any]:
    """Empty the outbox and the bench organization's invitations, so every run starts from the
    same table sizes; return that organization and the user who invites."""
    from notifications.models import Notification
    from portal.accounts.models import User
    from portal.tenancy.models import Invitation, Organization

    Notification.objects.all().delete()
    organization, _ = Organization.objects.get_or_create(
        name=ORGANIZATION_NAME, defaults={"is_partner": True}
    )
    Invitation.objects.filter(organization=organization).delete()
    inviter = User.objects.filter(email=INVITER_EMAIL).first() or User.objects.create_user(
        email=INVITER_EMAIL, full_name=INVITER_NAME
    )
    return organization, inviter


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    context: dict[str, Any]
    dedupe_key: str


def recipients_create(
    *, organization: Any, inviter: Any, count: int, run_id: str
) -> list[Recipient]:
    """Real pending invitations, one per recipient, half of them to French speakers."""
    from django.conf import settings
    from django.utils import timezone

    from portal.tenancy.models import Invitation, Role

    now = timezone.now()
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                organization=organization,
                email=f"guest{n:05d}@example.com",
                role=Role.ADMIN if n % 3 == 0 else Role.MEMBER,
                invited_by=inviter,
                sent_at=now,
                expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    return [
        Recipient(
            email=invitation.email,
            language="fr" if n % 2 else "en",
            context={
                "invitation_id": invitation.pk,
                "organization_name": organization.name,
                "inviter_name": INVITER_NAME,
                "role_code": invitation.role,
                "expires_at": invitation.expires_at.isoformat(),
            },
            dedupe_key=f"bench:{run_id}:invitation:{invitation.public_id}",
        )
        for n, invitation in enumerate(invitations)
    ]


def subject_normalize(subject: str) -> str:
    return " ".join(subject.split())


def subject_decode(raw: str) -> str:
    """A Subject header as sent (RFC 2047 encoded words, folded) as the reader sees it."""
    return subject_normalize(str(make_header(decode_header(raw))))


def expected_subjects(recipients: list[Recipient]) -> dict[str, str]:
    """The subject each language must carry, rendered here from the same templates."""
    from notifications.rendering import email_render

    first: dict[str, Recipient] = {}
    for recipient in recipients:
        first.setdefault(recipient.language, recipient)
    return {
        language: subject_normalize(
            email_render(kind="invitation", language=language, context=recipient.context).subject
        )
        for language, recipient in first.items()
    }


def notifications_enqueue(*, organization: Any, recipients: list[Recipient]) -> None:
    """Write the outbox rows as the portal does, a batch per transaction; each commit publishes
    its batch's send tasks."""
    from django.db import transaction

    from notifications.services import notification_enqueue

    for start in range(0, len(recipients), ENQUEUE_BATCH):
        with transaction.atomic():
            for recipient in recipients[start : start + ENQUEUE_BATCH]:
                notification_enqueue(
                    kind="invitation",
                    recipient=recipient.email,
                    language=recipient.language,
                    dedupe_key=recipient.dedupe_key,
                    context=recipient.context,
                    organization=organization,
                )


# --- The SMTP sink, in a process of its own -----------------------------------------------


@dataclass
class Inbox:
    """What the sink received: emails per recipient and per outbox row, and each subject as
    sent (decoding it later keeps the sink's own work per email small)."""

    per_recipient: Counter = field(default_factory=Counter)
    per_notification: Counter = field(default_factory=Counter)
    subjects: dict[str, str] = field(default_factory=dict)
    # Counted apart from per_recipient, which "count" could not sum while the server thread
    # adds to it.
    received: int = 0
    first_at: float | None = None
    last_at: float | None = None


class InboxHandler:
    """aiosmtpd handler: accepts every email and files it in the inbox."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self._parser = BytesHeaderParser(policy=compat32)

    async def handle_DATA(self, server, session, envelope) -> str:
        inbox = self.inbox
        # perf_counter is the system-wide monotonic clock: comparable with the bench process.
        inbox.last_at = time.perf_counter()
        inbox.first_at = inbox.first_at or inbox.last_at
        headers = self._parser.parsebytes(envelope.content)
        inbox.per_notification[headers["X-Portal-Notification"]] += 1
        for address in envelope.rcpt_tos:
            inbox.received += 1
            inbox.per_recipient[address] += 1
            inbox.subjects[address] = headers["Subject"]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_sink_serve(pipe: Any) -> None:
    """The sink process: answers "count" with the emails received so far and "stop" with the
    whole inbox."""
    from aiosmtpd.controller import Controller

    handler = InboxHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    pipe.send(controller.port)
    while (command := pipe.recv()) != "stop":
        pipe.send(handler.inbox.received if command == "count" else None)
    controller.stop()
    pipe.send(handler.inbox)


class SmtpSink:
    """A local SMTP server standing in for the mail relay, in its own process so that it never
    competes with the bench's polling for one interpreter lock."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_pipe = context.Pipe()
        self._process = context.Process(target=smtp_sink_serve, args=(child_pipe,), daemon=True)
        self._process.start()
        self.port: int = self._pipe.recv()

    def received(self) -> int:
        self._pipe.send("count")
        return self._pipe.recv()

    def stop(self) -> Inbox:
        self._pipe.send("stop")
        inbox = self._pipe.recv()
        self._process.join(timeout=10)
        return inbox

    def kill(self) -> None:
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


# --- The worker ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) of a process and of all its children together (Linux /proc);
    for a prefork worker: the main process, and the pool processes that run the tasks."""

    def stat(path: Path) -> tuple[int, float]:
        text = path.read_text()
        fields = text[text.rindex(")") + 2 :].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    main, children = 0.0, 0.0
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent, seconds = stat(path)
        except (OSError, ValueError, IndexError):
            continue
        if path.parent.name == str(pid):
            main = seconds
        elif parent == pid:
            children += seconds
    return main, children


class Worker:
    """One `celery worker` process on the private queue, paused and resumed by remote control
    so that each batch is entirely on the queue before the worker takes its first message."""

    def __init__(
        self, *, app: Any, queue: str, concurrency: int, email_url: str, pool: str = "prefork"
    ) -> None:
        self.pool = pool
        self.app = app
        self.queue = queue
        self.concurrency = concurrency
        self.node = f"{queue}@bench"
        self.email_url = email_url
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the worker writes to it)
            prefix="bench-worker-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bench.worker_app",
                "worker",
                "-Q",
                self.queue,
                "--concurrency",
                str(self.concurrency),
                "--pool",
                self.pool,
                "-l",
                "warning",
                "-n",
                self.node,
            ],
            cwd=ROOT,
            env={**os.environ, "EMAIL_URL": self.email_url},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if self.app.control.ping(destination=[self.node], timeout=0.5):
                return
        raise RuntimeError(f"the worker did not answer within {timeout:.0f} s")

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the worker exited; its log:\n{self.log_tail()}")

    def _control(self, command: str) -> None:
        replies = getattr(self.app.control, command)(
            self.queue, destination=[self.node], reply=True, timeout=5
        )
        if not replies:
            raise RuntimeError(f"the worker did not answer {command}")

    def pause(self) -> None:
        self._control("cancel_consumer")

    def resume(self) -> None:
        self._control("add_consumer")

    def cpu_seconds(self) -> tuple[float, float]:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    def tasks_run(self) -> dict[str, int]:
        """Tasks the worker has taken since it started, by name."""
        stats = self.app.control.inspect(destination=[self.node], timeout=5).stats() or {}
        return stats.get(self.node, {}).get("total", {})

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        log = Path(self.log.name)
        text = log.read_text(errors="replace")
        if any(word in text for word in ("ERROR", "CRITICAL", "Traceback")):
            print(f"The worker logged errors: see {log}")
        else:
            log.unlink()

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


# --- The broker ---------------------------------------------------------------------------


@contextmanager
def bench_lock(broker: Any) -> Iterator[None]:
    from redis.exceptions import LockError

    lock = broker.lock(LOCK_KEY, timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        raise SystemExit(
            f"Another benchmark holds {LOCK_KEY!r} on this Redis database; wait for it to finish "
            f"(the lock expires by itself {LOCK_SECONDS // 60} minutes after a crashed run)."
        )
    try:
        yield
    finally:
        with suppress(LockError):
            lock.release()


@dataclass(frozen=True)
class Phase:
    """One batch consumed by the worker: how many, how long, and the worker's CPU time."""

    count: int
    seconds: float
    main_cpu: float
    pool_cpu: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def per_task_ms(self) -> str:
        return (
            f"{1000 * self.seconds / self.count:5.2f} ms wall, worker CPU "
            f"{1000 * (self.main_cpu + self.pool_cpu) / self.count:5.2f} ms "
            f"(main {1000 * self.main_cpu / self.count:.2f} + pool "
            f"{1000 * self.pool_cpu / self.count:.2f})"
        )


def drain(*, broker: Any, worker: Worker, count: int) -> Phase:
    """Let the paused worker consume its queue, which must hold exactly `count` messages, and
    time it until the queue is empty and the broker holds no unacknowledged message.

    Tasks acknowledge late (after they return), so an empty unacked set means every task has
    finished. The end is the first of two consecutive empty readings, which rules out the
    instant between the worker popping a message and recording it as unacknowledged.
    """
    waiting, unacked = broker.llen(worker.queue), broker.hlen(UNACKED_KEY)
    if waiting != count or unacked:
        raise RuntimeError(
            f"expected {count} messages waiting and none unacknowledged on the broker, found "
            f"{waiting} and {unacked}: is another worker using {worker.queue!r} or this Redis DB?"
        )
    main_before, pool_before = worker.cpu_seconds()
    started = time.perf_counter()
    worker.resume()
    empty_at = None
    left_before, progress_at = count, started
    while True:
        with broker.pipeline(transaction=False) as pipe:
            waiting, unacked = pipe.llen(worker.queue).hlen(UNACKED_KEY).execute()
        now = time.perf_counter()
        left = waiting + unacked
        if left == 0:
            if empty_at is not None:
                break
            empty_at = now
        else:
            empty_at = None
            if left < left_before:
                left_before, progress_at = left, now
            elif now - progress_at > STALL_SECONDS:
                raise RuntimeError(
                    f"no progress for {STALL_SECONDS:.0f} s, {left} messages left; worker log:\n"
                    f"{worker.log_tail()}"
                )
            worker.check_alive()
        time.sleep(POLL_SECONDS)
    main_after, pool_after = worker.cpu_seconds()
    worker.pause()
    return Phase(
        count=count,
        seconds=empty_at - started,
        main_cpu=main_after - main_before,
        pool_cpu=pool_after - pool_before,
    )


def broker_purge(*, broker: Any, queue: str) -> None:
    """Remove the private queue, its bindings and any of its messages left unacknowledged."""
    for tag, payload in broker.hgetall(UNACKED_KEY).items():
        _message, _exchange, routing_key = json.loads(payload)
        if routing_key == queue:
            broker.hdel(UNACKED_KEY, tag)
            broker.zrem(UNACKED_INDEX_KEY, tag)
    broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


# --- The run ------------------------------------------------------------------------------


@dataclass
class Results:
    noop_before: Phase
    emails: Phase
    noop_after: Phase
    enqueue_seconds: float
    received: int
    duplicates: int
    missing: int
    unexpected: int
    wrong_language: int
    rows_sent_first_attempt: int
    tasks_run: dict[str, int]
    smtp_span: float

    @property
    def noop_rate(self) -> float:
        # The faster run is the one the rest of the machine disturbed least; it also gives the
        # harder target.
        return max(self.noop_before.rate, self.noop_after.rate)

    @property
    def ratio(self) -> float:
        return self.emails.rate / self.noop_rate

    @property
    def exactly_once(self) -> bool:
        return (
            self.received == self.emails.count
            and self.duplicates == 0
            and self.missing == 0
            and self.unexpected == 0
            and self.rows_sent_first_attempt == self.emails.count
        )


def emails_wait(*, sink: SmtpSink, count: int, timeout: float = 10.0) -> None:
    """Sends finish before their task is acknowledged, so the sink should already hold every
    email; give stragglers, and any duplicate, a moment to arrive all the same."""
    deadline = time.monotonic() + timeout
    while sink.received() < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)


def noop_phase(*, broker: Any, worker: Worker, count: int, label: str) -> Phase:
    from bench.worker_app import noop

    print(f"Publishing {count} no-op tasks ({label})...", flush=True)
    for _ in range(count):
        noop.delay()
    print("Consuming them...", flush=True)
    return drain(broker=broker, worker=worker, count=count)


def run(args: argparse.Namespace) -> Results:
    run_id = uuid.uuid4().hex[:8]
    queue = f"bench-notifications-{run_id}"
    environment_configure(database_url=args.database_url, redis_url=args.redis_url, queue=queue)
    database_ensure(args.database_url)
    django_setup()

    import redis

    from bench.worker_app import app
    from notifications.models import Notification

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Worker: one process `celery -A bench.worker_app worker --pool {args.pool} "
        f"--concurrency {args.concurrency}`, prefetch multiplier "
        f"{app.conf.worker_prefetch_multiplier}, acks_late {app.conf.task_acks_late}."
    )
    print(f"Broker {args.redis_url}, queue {queue}; database {args.database_url}.")
    print(f"Machine: {os.cpu_count()} CPUs, load average {load:.2f} at the start.")

    broker = redis.Redis.from_url(args.redis_url)
    with bench_lock(broker):
        organization, inviter = bench_data_reset()
        recipients = recipients_create(
            organization=organization, inviter=inviter, count=args.count, run_id=run_id
        )
        subjects = expected_subjects(recipients)
        if len(set(subjects.values())) < len(subjects):
            print("warning: the French subject equals the English one: run compilemessages")

        sink = SmtpSink()
        worker = Worker(
            app=app,
            queue=queue,
            concurrency=args.concurrency,
            pool=args.pool,
            email_url=f"smtp://127.0.0.1:{sink.port}",
        )
        try:
            worker.start()
            worker.wait_ready()
            worker.pause()
            noop_before = noop_phase(
                broker=broker, worker=worker, count=args.noop_count, label="before the emails"
            )
            print(f"Writing {args.count} outbox rows and publishing their tasks...", flush=True)
            started = time.perf_counter()
            notifications_enqueue(organization=organization, recipients=recipients)
            enqueue_seconds = time.perf_counter() - started
            print("Consuming them...", flush=True)
            emails = drain(broker=broker, worker=worker, count=args.count)
            emails_wait(sink=sink, count=args.count)
            inbox = sink.stop()
            noop_after = noop_phase(
                broker=broker, worker=worker, count=args.noop_count, label="after the emails"
            )
            tasks_run = worker.tasks_run()
        finally:
            worker.stop()
            sink.kill()
            broker_purge(broker=broker, queue=queue)

        expected = {recipient.email: recipient.language for recipient in recipients}
        received = set(inbox.per_recipient)
        rows_sent_first_attempt = Notification.objects.filter(
            dedupe_key__startswith=f"bench:{run_id}:",
            status=Notification.Status.SENT,
            attempts=1,
        ).count()

    return Results(
        noop_before=noop_before,
        emails=emails,
        noop_after=noop_after,
        enqueue_seconds=enqueue_seconds,
        received=inbox.received,
        duplicates=sum(n - 1 for n in inbox.per_recipient.values() if n > 1)
        + sum(n - 1 for n in inbox.per_notification.values() if n > 1),
        missing=len(expected.keys() - received),
        unexpected=len(received - expected.keys()),
        wrong_language=sum(
            1
            for address, subject in inbox.subjects.items()
            if address in expected and subject_decode(subject) != subjects[expected[address]]
        ),
        rows_sent_first_attempt=rows_sent_first_attempt,
        tasks_run=tasks_run,
        smtp_span=(inbox.last_at or 0.0) - (inbox.first_at or 0.0),
    )


def report(results: Results) -> None:
    r = results
    count = r.emails.count
    noop_runs = r.tasks_run.get("bench.noop", 0)
    send_runs = r.tasks_run.get("notifications.tasks.notification_send", 0)
    smtp_rate = (count - 1) / r.smtp_span if r.smtp_span > 0 else float("nan")
    print()
    print("Each rate runs from the moment the worker starts consuming a queue that already holds")
    print("the whole batch to the moment the last message is acknowledged (tasks ack late).")
    print()
    for label, phase, unit in (
        ("no-op, before", r.noop_before, "tasks/s "),
        ("emails", r.emails, "emails/s"),
        ("no-op, after", r.noop_after, "tasks/s "),
    ):
        print(
            f"  {label:<14} {phase.count:>6} in {phase.seconds:7.2f} s {phase.rate:8.1f} {unit}"
            f"  per task: {phase.per_task_ms()}"
        )
    print()
    print(f"  no-op rate (broker floor, faster of two runs) {r.noop_rate:8.1f} tasks/s")
    print(f"  email rate                                    {r.emails.rate:8.1f} emails/s")
    print(
        f"  ratio                                         {r.ratio:8.2f}   target >= "
        f"{TARGET_RATIO:.2f}: {'MET' if r.ratio >= TARGET_RATIO else 'NOT MET'}"
    )
    print(f"  SMTP arrivals, first to last                  {smtp_rate:8.1f} emails/s")
    print(
        f"  outbox writes + publishing (not timed above)  {count / r.enqueue_seconds:8.1f} /s "
        f"({r.enqueue_seconds:.2f} s)"
    )
    print()
    print(f"  enqueued               {count}")
    print(f"  received by SMTP sink  {r.received}")
    print(f"  duplicates             {r.duplicates}")
    print(f"  missing                {r.missing}")
    print(f"  unexpected recipients  {r.unexpected}")
    print(f"  wrong language         {r.wrong_language}")
    print(f"  rows sent, 1 attempt   {r.rows_sent_first_attempt}")
    print(f"  tasks run by worker    no-op {noop_runs}, notification_send {send_runs}")
    print(
        "  exactly once           "
        + ("yes: none lost, none twice" if r.exactly_once else "NO: see the counts above")
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    report(results)
    return 0 if results.exactly_once and results.wrong_language == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
