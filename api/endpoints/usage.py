"""What an agreement's numbers and emails say: maximum usage per level, and the status of
the emails sent to its subscribers."""

from uuid import UUID

from ninja import Query, Router

from agreements.selectors import agreement_email_list
from agreements.usage.selectors import maximum_usage

from ..paging import DEFAULT_LIMIT, MAX_LIMIT, newest_first_page
from ..schemas import EmailOut, EmailPage, LevelUsageMonthOut, LevelUsageOut
from .common import ERRORS, agreement_for

router = Router(tags=["usage"])


@router.get("/agreements/{uuid:agreement_id}/usage", response={200: list[LevelUsageOut], **ERRORS})
def usage_get(request, agreement_id: UUID):
    """Maximum usage: per level, the peak of the past year and of each of the last twelve
    months (the Maximum usage page)."""
    agreement, _access = agreement_for(request, agreement_id)
    return [
        LevelUsageOut(
            code=level.level.code,
            name=level.level.name,
            purchased=level.seats_purchased,
            assigned=level.seats_assigned,
            peak=level.peak,
            peak_day=level.peak_day,
            months=[
                LevelUsageMonthOut(month=month.month, peak=month.peak) for month in level.months
            ],
        )
        for level in maximum_usage(agreement)
    ]


@router.get("/agreements/{uuid:agreement_id}/emails", response={200: EmailPage, **ERRORS})
def emails_list(
    request,
    agreement_id: UUID,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """The emails sent to the agreement's subscribers, newest first, each with its status
    (delivered, bounced... as the mail provider reports)."""
    agreement, _access = agreement_for(request, agreement_id)
    page, next_cursor = newest_first_page(
        agreement_email_list(agreement=agreement), cursor=cursor, limit=limit
    )
    return EmailPage(
        items=[
            EmailOut(
                id=email.public_id,
                kind=email.kind,
                kind_label=email.kind_label,
                recipient=email.recipient,
                status=email.status,
                created_at=email.created_at,
                sent_at=email.sent_at,
            )
            for email in page
        ],
        next_cursor=next_cursor,
    )
