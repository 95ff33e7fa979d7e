"""A partner's benefits (its packages' software, cloud, Visual Studio and support), and who
holds their seats: the Benefits page's tabs, with its permissions."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from benefits.models import TAB_KINDS, Benefit, Tab
from benefits.selectors import (
    assignable_member_list,
    assignment_get,
    benefit_get,
    benefit_list,
)
from benefits.services.assignments import benefit_assign, benefit_unassign

from ..auth import require_write
from ..idempotency import idempotent
from ..problems import Problem
from ..schemas import BenefitAssigneeOut, BenefitAssignIn, BenefitOut
from .common import ERRORS, WRITE_ERRORS, service_error

router = Router(tags=["benefits"])

TAB_OF_KIND = {kind: tab for tab, kinds in TAB_KINDS.items() for kind in kinds}


class BenefitFilter(Schema):
    tab: Tab | None = NinjaField(None, description="One tab of the Benefits page; all if empty.")


def _out(benefit: Benefit) -> BenefitOut:
    held = getattr(benefit, "held_assignments", [])
    return BenefitOut(
        id=benefit.public_id,
        name=str(benefit.product),
        tab=TAB_OF_KIND[benefit.kind],
        kind=benefit.kind,
        seats=benefit.seats,
        assigned=len(held),
        assignees=[
            BenefitAssigneeOut(
                id=assignment.public_id,
                email=assignment.user.email,
                full_name=assignment.user.full_name,
                status=assignment.status,
                assigned_at=assignment.assigned_at,
            )
            for assignment in held
        ],
    )


@router.get("/benefits", response={200: list[BenefitOut], **ERRORS})
def benefits_list(request, filters: Query[BenefitFilter]):
    """The benefits of the partner's available packages, with their seats' holders."""
    tabs = [filters.tab] if filters.tab else list(Tab)
    return [
        _out(benefit)
        for tab in tabs
        for benefit in benefit_list(actor=request.actor, tab=tab).order_by("pk")
    ]


@router.post("/benefits/{uuid:benefit_id}/assignments", response={201: BenefitOut, **WRITE_ERRORS})
@idempotent
def benefit_assign_op(request, benefit_id: UUID, payload: BenefitAssignIn):
    """Give a seat to a user of your organization (who is emailed)."""
    require_write(request)
    benefit = benefit_get(actor=request.actor, public_id=benefit_id)
    member = (
        assignable_member_list(actor=request.actor, benefit=benefit)
        .filter(user__email__iexact=payload.email.strip())
        .first()
    )
    if member is None:
        raise Problem(
            422,
            "not-assignable",
            _("The change cannot be made."),
            _("No user of your organization without a seat of this benefit has this email."),
        )
    try:
        benefit_assign(
            actor=request.actor,
            benefit=benefit,
            user=member.user,
            alternate_email=payload.alternate_email,
        )
    except ValidationError as error:
        raise service_error(error) from error
    return Status(201, _out(benefit_get(actor=request.actor, public_id=benefit_id)))


@router.delete(
    "/benefits/{uuid:benefit_id}/assignments/{uuid:assignment_id}",
    response={204: None, **WRITE_ERRORS},
)
def benefit_unassign_op(request, benefit_id: UUID, assignment_id: UUID):
    """Free the seat, so that it can be assigned to someone else."""
    require_write(request)
    benefit = benefit_get(actor=request.actor, public_id=benefit_id)
    assignment = assignment_get(actor=request.actor, benefit=benefit, public_id=assignment_id)
    try:
        benefit_unassign(actor=request.actor, assignment=assignment)
    except ValidationError as error:
        raise service_error(error) from error
    return Status(204, None)
