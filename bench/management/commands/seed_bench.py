"""`manage.py seed_bench`: the benchmarks' data, in the bench database (bench.settings)."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from bench import seed
from bench.database import database_ensure as bench_database_ensure


def database_ensure() -> bool:
    """Create the settings' database if it does not exist yet; True if it was created."""
    return bench_database_ensure(settings.DATABASES["default"])


class Command(BaseCommand):
    help = (
        "Empty the bench database's portal tables and fill them with 1,000 customers, 200 "
        "partners and 50,000 subscribers on the largest agreement (COPY, one transaction)."
    )
    # The database may not exist yet when the command starts.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=seed.DEFAULT_CUSTOMERS)
        parser.add_argument("--partners", type=int, default=seed.DEFAULT_PARTNERS)
        parser.add_argument(
            "--subscribers",
            type=int,
            default=seed.DEFAULT_BIG,
            help="subscribers on the largest agreement",
        )
        parser.add_argument(
            "--others",
            type=int,
            default=seed.DEFAULT_OTHERS,
            help="average subscribers on each other agreement (from half to 1.5 times this)",
        )
        parser.add_argument("--usage-days", type=int, default=seed.USAGE_DAYS)

    def handle(self, *args, **options):
        if "bench" not in settings.DATABASES["default"]["NAME"]:
            self.stderr.write("Run it with DJANGO_SETTINGS_MODULE=bench.settings.")
            raise SystemExit(2)
        started = time.perf_counter()
        created = database_ensure()
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter() - started
        self.stdout.write(
            f"Database {settings.DATABASES['default']['NAME']}: "
            f"{'created and ' if created else ''}migrated in {migrated:.1f} s"
        )
        result = seed.seed(
            customers=options["customers"],
            partners=options["partners"],
            big=options["subscribers"],
            others=options["others"],
            usage_days=options["usage_days"],
            log=self.stdout.write,
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:22} {count:>10,} rows  {result.timings[label]:6.2f} s")
        for label in ("indexes rebuilt", "total (one transaction)", "VACUUM ANALYZE"):
            self.stdout.write(f"  {label:33} {result.timings[label]:6.2f} s")
        total = time.perf_counter() - started
        rows = sum(result.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {rows:,} rows in {total:.1f} s ({rows / total:,.0f} rows/s)."
            )
        )
        self.stdout.write(
            f"Sign in with {seed.BENCH_PARTNER_USER} (partner), {seed.BENCH_CUSTOMER_ADMIN} "
            f"(customer super admin) or {seed.BENCH_STAFF_USER} (staff), password "
            f"{seed.BENCH_PASSWORD}. Largest agreement: {seed.BIG_AUTHORIZATION}."
        )
