"""Every read of benefits data, scoped to the actor: what is not theirs is a 404."""

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.tenancy.context import Actor
from portal.tenancy.models import Membership

from .eligibility import package_refusal
from .models import (
    TAB_KINDS,
    Benefit,
    BenefitAssignment,
    BenefitPackage,
    DownloadLink,
    Kind,
    PackagePurchase,
    PartnerMembership,
    Tab,
)


def partner_membership_current(*, actor: Actor) -> PartnerMembership | None:
    return PartnerMembership.objects.visible_to(actor).current().first()


def partner_membership_list(*, actor: Actor) -> QuerySet[PartnerMembership]:
    return PartnerMembership.objects.visible_to(actor).filter(
        status=PartnerMembership.Status.ACTIVE
    )


def partner_membership_next(
    *, actor: Actor, membership: PartnerMembership
) -> PartnerMembership | None:
    """The term that follows `membership`, once renewed."""
    return partner_membership_list(actor=actor).filter(starts_on__gt=membership.ends_on).first()


def package_list_on_sale() -> QuerySet[BenefitPackage]:
    """The catalogue is the same for every member."""
    return BenefitPackage.objects.on_sale().prefetch_related("grants__product")


def package_get_on_sale(*, code: str) -> BenefitPackage:
    return get_object_or_404(package_list_on_sale(), code=code)


def package_offer_list(*, actor: Actor) -> list[BenefitPackage]:
    """The packages on sale, each with `refusal`: why the actor's organization cannot buy it
    now (the same rule the purchase enforces), or None where Buy is offered."""
    membership = partner_membership_current(actor=actor)
    packages = list(package_list_on_sale())
    for package in packages:
        package.refusal = package_refusal(membership=membership, package=package)
    return packages


def purchase_list(*, actor: Actor) -> QuerySet[PackagePurchase]:
    return PackagePurchase.objects.visible_to(actor).select_related("package", "membership")


def purchase_provisioning_list(*, actor: Actor) -> QuerySet[PackagePurchase]:
    """Purchases of the current membership years whose benefits are not created yet."""
    return purchase_list(actor=actor).filter(
        status=PackagePurchase.Status.PROVISIONING,
        membership__ends_on__gte=timezone.localdate(),
    )


def _usable_benefits(actor: Actor) -> QuerySet[Benefit]:
    """Benefits of packages that are provisioned, in a membership year that has not ended."""
    return Benefit.objects.visible_to(actor).filter(
        purchase__status=PackagePurchase.Status.AVAILABLE,
        purchase__membership__ends_on__gte=timezone.localdate(),
    )


def _held_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=BenefitAssignment.objects.held().select_related("user").order_by("seat"),
        to_attr="held_assignments",
    )


def benefit_list(*, actor: Actor, tab: str) -> QuerySet[Benefit]:
    """The available benefits of one tab of the Benefits page: one query plus one for the
    holders, however many rows."""
    return (
        _usable_benefits(actor)
        .filter(kind__in=TAB_KINDS[Tab(tab)])
        .select_related("product", "purchase__package")
        .annotate(key_count=Count("keys"))
        .prefetch_related(_held_assignments())
    )


def benefit_get(*, actor: Actor, public_id) -> Benefit:
    return get_object_or_404(
        _usable_benefits(actor)
        .select_related("product", "purchase__package", "organization")
        .annotate(key_count=Count("keys"))
        .prefetch_related(_held_assignments()),
        public_id=public_id,
    )


def assignment_get(*, actor: Actor, benefit: Benefit, public_id) -> BenefitAssignment:
    return get_object_or_404(
        BenefitAssignment.objects.visible_to(actor)
        .held()
        .filter(benefit=benefit)
        .select_related("user"),
        public_id=public_id,
    )


def assignable_member_list(*, actor: Actor, benefit: Benefit) -> QuerySet[Membership]:
    """The organization's users who do not hold a seat of `benefit` yet."""
    holders = BenefitAssignment.objects.held().filter(benefit=benefit).values("user_id")
    return (
        Membership.objects.visible_to(actor)
        .exclude(user_id__in=holders)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def download_link_list(*, benefit: Benefit, language: str, operating_system: str):
    return DownloadLink.objects.filter(
        product_id=benefit.product_id, language=language, operating_system=operating_system
    )


def my_benefit_subscription_list(*, user) -> QuerySet[BenefitAssignment]:
    """The Visual Studio subscriptions a partner organization assigned to `user`, for their
    My subscriptions page."""
    if not user.is_authenticated:
        return BenefitAssignment.objects.none()
    return (
        BenefitAssignment.objects.held()
        .filter(
            user=user,
            benefit__kind=Kind.VISUAL_STUDIO,
            benefit__purchase__status=PackagePurchase.Status.AVAILABLE,
            benefit__purchase__membership__ends_on__gte=timezone.localdate(),
        )
        .select_related(
            "benefit__product", "benefit__organization", "benefit__purchase__membership"
        )
        .order_by("benefit__organization__name", "benefit__product__name")
    )
