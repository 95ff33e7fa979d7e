"""Who may buy which package: one rule, read by the Packages page (Buy offered only where it
is allowed) and enforced by the purchase service (under a lock on the membership)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import LEVEL_ORDER, BenefitPackage, PackagePurchase, PartnerMembership


def one_action_pack_error() -> ValidationError:
    return ValidationError(
        _("Your organization already has an Action Pack for this membership year."),
        code="action_pack",
    )


def package_refusal(
    *, membership: PartnerMembership | None, package: BenefitPackage
) -> ValidationError | None:
    """Why `package` cannot be bought in `membership`'s year, or None if it can."""
    if membership is None:
        return ValidationError(
            _("Join the partner network before you buy benefit packages."), code="not_member"
        )
    if package.minimum_level and membership.rank < LEVEL_ORDER.index(package.minimum_level):
        return ValidationError(
            _("%(package)s needs a %(level)s membership or higher.")
            % {
                "package": package.name,
                "level": PartnerMembership.Level(package.minimum_level).label,
            },
            code="level",
        )
    if (
        package.is_action_pack
        # scoping: by membership, already scoped by the caller (a selector or the service)
        and PackagePurchase.objects.filter(membership=membership, is_action_pack=True)
        .exclude(status=PackagePurchase.Status.CANCELLED)
        .exists()
    ):
        return one_action_pack_error()
    return None
