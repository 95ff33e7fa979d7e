"""Benchmark: bulk add of 10,000 subscribers from an .xlsx workbook, beside its floor.

On the seeded bench data (50,000 subscribers on the largest agreement, among 1,000
organizations; `manage.py seed_bench`), in one run:

1. writes a 10,000-row workbook like one a customer would fill in from the template;
2. the floor, in a fresh process: openpyxl's read-only parse of that file, plus a PostgreSQL
   COPY of the same rows into the subscriptions table (rolled back);
3. the import, in a fresh process: the upload as the portal receives it
   (`bulk_import_create`, which keeps the file and queues it), then the worker's task
   (`bulk_import_run`) run in that process: every row checked by the Add subscriber form,
   written all or nothing, each subscriber's email put in the outbox and queued;
4. removes what the import added, so the next run starts from the same data.

Each step runs in a process of its own so that its peak memory (maximum resident set size)
is its own. Run from the repository root (see bench/README.md):

    .venv/bin/python -m bench.import_xlsx [--rows 10000] [--keep-file PATH]
"""

import argparse
import io
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings"
DOMAIN = "import-bench.example"
TARGET_RATIO = 3.0
TARGET_MEGABYTES = 400
LEVEL_SHARES = (("vs-enterprise", 0.6), ("vs-professional", 0.3), ("vs-test-professional", 0.1))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_xlsx",
        description="Bulk add from .xlsx on the seeded bench data, beside openpyxl's "
        "read-only parse plus a COPY of the same rows.",
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows (default 10000)")
    parser.add_argument("--keep-file", type=Path, help="also save the workbook here")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 10_000:
        parser.error("--rows must be between 1 and 10000 (the portal's limit)")
    return args


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(count: int) -> list[dict]:
    from agreements.models import SubscriptionLevel
    from bench.seed import FIRST_NAMES, LAST_NAMES, email_part

    names = dict(SubscriptionLevel.objects.values_list("code", "name"))
    levels = [code for code, share in LEVEL_SHARES for _ in range(round(share * 10))]
    rows = []
    for n in range(count):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        rows.append(
            {
                "First name": first,
                "Last name": last,
                "Sign-in email": f"{email_part(first)}.{email_part(last)}.{n}@{DOMAIN}",
                "Notification email": f"{email_part(first)}.{n}@home.example" if n % 5 == 0 else "",
                "Level": names[levels[n % len(levels)]],
                "Downloads": "No" if n % 9 == 0 else "Yes",
                "Reference": ("R&D", "Finance", "IT", "")[n % 4],
                "Country/region": ("FR", "BE", "CA")[n % 3],
                "Language": "fr" if n % 4 else "en",
            }
        )
    return rows


def workbook_write(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Subscribers")
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- Steps, each in a fresh process --------------------------------------------------------


def _step_floor(path: str, queue) -> None:
    """openpyxl's read-only parse, then COPY of the same rows, rolled back."""
    _django()
    from django.db import connection, transaction
    from django.utils import timezone
    from openpyxl import load_workbook

    from agreements.models import Agreement, AgreementLine
    from bench import seed

    baseline = _peak_megabytes()
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    values = list(workbook.active.iter_rows(min_row=2, values_only=True))
    workbook.close()
    parsed = time.perf_counter()
    agreement = Agreement.objects.get(authorization_number=seed.BIG_AUTHORIZATION)
    lines = dict(AgreementLine.objects.filter(agreement=agreement).values_list("level__name", "pk"))
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as wrapper:
        columns = (
            "guid, first_name, last_name, sign_in_email, notification_email, line_id, "
            "downloads_enabled, reference, country, language, assigned_at, last_assigned_at, "
            "last_assignee_email, agreement_id"
        )
        with wrapper.cursor.copy(f"COPY agreements_subscription ({columns}) FROM STDIN") as copy:
            for (
                first,
                last,
                email,
                notify,
                level,
                downloads,
                reference,
                country,
                language,
            ) in values:
                copy.write_row(
                    (
                        uuid.uuid4(),
                        first,
                        last,
                        email,
                        notify or "",
                        lines[level],
                        downloads == "Yes",
                        reference or "",
                        country,
                        language,
                        now,
                        now,
                        email,
                        agreement.pk,
                    )
                )
        copied = time.perf_counter()
        transaction.set_rollback(True)
    queue.put(
        {
            "parse": parsed - started,
            "copy": copied - parsed,
            "rows": len(values),
            "peak": _peak_megabytes(),
            "baseline": baseline,
        }
    )


def _step_import(path: str, queue) -> None:
    """The upload as the view receives it, then the worker's task, in this process."""
    _django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agreements.models import Agreement, BulkImport
    from agreements.workbooks.services import bulk_import_create
    from agreements.workbooks.tasks import bulk_import_run
    from bench import seed
    from portal.accounts.models import User
    from portal.tenancy.context import actor_build
    from portal.tenancy.models import Organization

    baseline = _peak_megabytes()
    agreement = Agreement.objects.get(authorization_number=seed.BIG_AUTHORIZATION)
    user = User.objects.get(email=seed.BENCH_PARTNER_USER)
    partner = Organization.objects.get(name=seed.BENCH_PARTNER_NAME)
    actor = actor_build(user=user, organization_id=partner.pk)
    content = Path(path).read_bytes()
    started = time.perf_counter()
    bulk_import = bulk_import_create(
        actor=actor,
        agreement=agreement,
        kind=BulkImport.Kind.ADD,
        uploaded_file=SimpleUploadedFile("subscribers.xlsx", content),
    )
    uploaded = time.perf_counter()
    bulk_import_run(bulk_import.pk)
    finished = time.perf_counter()
    bulk_import.refresh_from_db()
    queue.put(
        {
            "upload": uploaded - started,
            "task": finished - uploaded,
            "status": bulk_import.status,
            "message": bulk_import.message,
            "rows": bulk_import.total_rows,
            "peak": _peak_megabytes(),
            "baseline": baseline,
        }
    )


def _in_process_of_its_own(step, path: str) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=step, args=(path, queue))
    process.start()
    try:
        result = queue.get(timeout=1800)
    finally:
        process.join(timeout=60)
    if process.exitcode not in (0, None):
        raise RuntimeError(f"{step.__name__} exited with {process.exitcode}")
    return result


# --- Set-up and clean-up, in this process ---------------------------------------------------


def seats_make_room(rows: int) -> dict[int, int]:
    """Enough free seats on the large agreement's lines for the rows: the customer bought
    more. Returns each line's seats purchased before, to put back afterwards."""
    from django.db.models import F

    from agreements.models import AgreementLine
    from bench import seed

    lines = AgreementLine.objects.filter(agreement__authorization_number=seed.BIG_AUTHORIZATION)
    before = dict(lines.values_list("pk", "seats_purchased"))
    lines.update(seats_purchased=F("seats_purchased") + rows)
    return before


def import_undo(seats_before: dict[int, int]) -> int:
    """Remove the subscribers, outbox emails and upload the import added; the lines count
    again what is left. The audit entry stays: the history is append-only."""
    from django.db import transaction
    from django.db.models import Count, Q

    from agreements.models import AgreementLine, BulkImport, Subscription
    from bench import seed
    from notifications.models import Notification

    with transaction.atomic():
        added = Subscription.objects.filter(sign_in_email__endswith=f"@{DOMAIN}")
        subscription_ids = list(added.values_list("pk", flat=True))
        removed, _ = added.delete()
        Notification.objects.filter(
            kind="subscription_assigned",
            context__subscription_id__in=subscription_ids,
        ).delete()
        BulkImport.objects.filter(agreement__authorization_number=seed.BIG_AUTHORIZATION).delete()
        lines = AgreementLine.objects.filter(pk__in=seats_before).annotate(
            assigned=Count("subscriptions", filter=Q(subscriptions__assigned_at__isnull=False))
        )
        for line in lines:
            line.seats_assigned = line.assigned
            line.seats_purchased = seats_before[line.pk]
            line.save(update_fields=["seats_assigned", "seats_purchased"])
    return removed


def broker_queue_empty() -> None:
    """The import queued one email task per subscriber on the bench's own queue, which no
    worker reads: drop them."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _django()
    from agreements.models import Agreement
    from bench import seed

    agreement = Agreement.objects.filter(authorization_number=seed.BIG_AUTHORIZATION).first()
    if agreement is None:
        print(
            "No bench data: run `DJANGO_SETTINGS_MODULE=bench.settings python manage.py "
            "seed_bench` (or bench/run) first."
        )
        return 2
    subscribers = agreement.subscriptions.assigned().count()
    organizations = type(agreement.customer_organization).objects.filter(is_customer=True).count()
    started = time.perf_counter()
    content = workbook_write(_rows(args.rows))
    written = time.perf_counter() - started
    path = args.keep_file or Path(tempfile.gettempdir()) / "bench-import.xlsx"
    path.write_bytes(content)
    print(
        f"Bulk add of {args.rows:,} rows ({len(content) / 1024:,.0f} KB .xlsx, written in "
        f"{written:.1f} s) to the agreement with {subscribers:,} subscribers, among "
        f"{organizations:,} customer organizations.\n",
        flush=True,
    )
    floor = _in_process_of_its_own(_step_floor, str(path))
    seats_before = seats_make_room(args.rows)
    try:
        imported = _in_process_of_its_own(_step_import, str(path))
    finally:
        removed = import_undo(seats_before)
        broker_queue_empty()
        if not args.keep_file:
            path.unlink(missing_ok=True)
    floor_seconds = floor["parse"] + floor["copy"]
    import_seconds = imported["upload"] + imported["task"]
    ratio = import_seconds / floor_seconds
    print(
        f"  floor: openpyxl read-only parse  {floor['parse']:6.2f} s\n"
        f"         + COPY of the same rows    {floor['copy']:6.2f} s\n"
        f"         = {floor_seconds:6.2f} s, peak memory {floor['peak']:,.0f} MB "
        f"(process after Django set-up: {floor['baseline']:,.0f} MB)\n"
        f"  import: upload (bulk_import_create) {imported['upload']:6.2f} s\n"
        f"          + worker task (bulk_import_run) {imported['task']:6.2f} s\n"
        f"          = {import_seconds:6.2f} s, peak memory {imported['peak']:,.0f} MB "
        f"(process after Django set-up: {imported['baseline']:,.0f} MB)\n"
        f"  outcome: {imported['status']}, {imported['rows']:,} rows: {imported['message']}\n"
        f"  undone: {removed:,} rows deleted (subscriptions)\n"
    )
    time_ok = ratio <= TARGET_RATIO
    memory_ok = imported["peak"] < TARGET_MEGABYTES
    print(
        f"  import / floor  {ratio:5.2f}x   target <= {TARGET_RATIO:.0f}x: "
        f"{'met' if time_ok else 'NOT MET'}\n"
        f"  peak memory     {imported['peak']:5.0f} MB  target < {TARGET_MEGABYTES} MB: "
        f"{'met' if memory_ok else 'NOT MET'}"
    )
    return 0 if imported["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
