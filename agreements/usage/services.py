from datetime import date

from django.db import transaction
from django.db.models import OuterRef, Subquery

from agreements.models import AgreementLine, UsageSnapshot

LOCK_BATCH = 1000


def usage_snapshot_write(*, day: date) -> int:
    """Start (or raise) `day`'s snapshot of every line of every agreement to the seats
    assigned now, never lowering a higher peak already recorded. Returns how many lines.

    Lines are locked as assignments lock them (by pk, a thousand at a time), so an
    assignment writing the same snapshot either goes first or waits for one short batch:
    three or four queries per thousand lines, and no deadlock.
    """
    lines_now = AgreementLine.objects.filter(pk=OuterRef("line_id"))  # scoping: nightly, all
    assigned_now = lines_now.values("seats_assigned")
    after, lines = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                AgreementLine.objects.select_for_update()  # scoping: nightly, every agreement
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", "seats_assigned")[:LOCK_BATCH]
            )
            if not batch:
                return lines
            # Read once the lines are locked, in a statement of its own: one that waited
            # for an assignment's lock must see the snapshot that assignment wrote.
            recorded = dict(
                UsageSnapshot.objects.filter(  # scoping: nightly beat task, every line
                    day=day, line_id__gt=after, line_id__lte=batch[-1][0]
                ).values_list("line_id", "max_assigned")
            )
            UsageSnapshot.objects.bulk_create(  # scoping: nightly beat task, every line
                [
                    UsageSnapshot(line_id=line_id, day=day, max_assigned=assigned)
                    for line_id, assigned in batch
                    if line_id not in recorded
                ]
            )
            lower = [
                line_id
                for line_id, assigned in batch
                if line_id in recorded and recorded[line_id] < assigned
            ]
            if lower:
                # scoping: nightly beat task, every line
                UsageSnapshot.objects.filter(line_id__in=lower, day=day).update(
                    max_assigned=Subquery(assigned_now)
                )
        lines += len(batch)
        if len(batch) < LOCK_BATCH:
            return lines
        after = batch[-1][0]
