"""Buying a benefit package, provisioning it (keys, seats) and revealing its keys."""

import secrets
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from benefits.crypto import key_decrypt, key_encrypt, key_reencrypt
from benefits.eligibility import one_action_pack_error, package_refusal
from benefits.integrity import constraint_violated
from benefits.models import (
    Benefit,
    BenefitPackage,
    PackagePurchase,
    ProductKey,
)
from benefits.services.common import KEY_ALPHABET, ONE_ACTION_PACK, partner_organization
from benefits.services.membership import membership_current
from notifications.services import notification_enqueue
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import ANONYMOUS, Actor
from portal.tenancy.models import Permission


def package_purchase(
    *, actor: Actor, package: BenefitPackage, today: date | None = None
) -> PackagePurchase:
    """Buy `package` for the current membership year; its benefits are provisioned by a
    task once the purchase is committed. The rules are checked under a lock on the
    membership, so two purchases of one year are checked one after the other; the
    database's constraint stays the last wall."""
    organization = partner_organization(actor, Permission.BUY_PACKAGES)
    try:
        with transaction.atomic():
            membership = membership_current(organization, today or timezone.localdate())
            refusal = package_refusal(membership=membership, package=package)
            if refusal is not None:
                raise refusal
            assert membership is not None  # package_refusal refuses an organization without one
            purchase = PackagePurchase.objects.create(
                organization=organization,
                membership=membership,
                package=package,
                is_action_pack=package.is_action_pack,
                purchased_by=actor.signed_in_user,
            )
            audit_record(
                actor=actor,
                organization=organization,
                action=Action.BENEFIT_PACKAGE_PURCHASED,
                target=purchase,
                details={"package": package.code},
            )
            transaction.on_commit(lambda: _provision_later(purchase.pk))
    except IntegrityError as error:
        if constraint_violated(error, PackagePurchase, ONE_ACTION_PACK):
            raise one_action_pack_error() from error
        raise
    return purchase


def _provision_later(purchase_id: int) -> None:
    from benefits.tasks import package_provision

    package_provision.delay(purchase_id)


def _product_key_make() -> str:
    return "-".join("".join(secrets.choice(KEY_ALPHABET) for _ in range(5)) for _ in range(5))


@transaction.atomic
def package_provision(*, purchase_id: int) -> PackagePurchase | None:
    """Create the benefits a purchase grants, with their product keys; then it is
    available. Running it again for the same purchase does nothing."""
    purchase = (
        PackagePurchase.objects.select_for_update(of=("self",))
        .select_related("package", "organization", "purchased_by")
        .filter(pk=purchase_id, status=PackagePurchase.Status.PROVISIONING)
        .first()
    )
    if purchase is None:
        return None
    for grant in purchase.package.grants.select_related("product"):
        benefit = Benefit.objects.create(
            organization=purchase.organization,
            purchase=purchase,
            product=grant.product,
            kind=grant.product.kind,
            quantity=grant.quantity,
            unit=grant.unit,
        )
        if benefit.has_keys:
            ProductKey.objects.bulk_create(
                ProductKey(benefit=benefit, ciphertext=key_encrypt(_product_key_make()))
                for _ in range(grant.key_count)
            )
    purchase.status = PackagePurchase.Status.AVAILABLE
    purchase.available_at = timezone.now()
    purchase.save(update_fields=["status", "available_at"])
    audit_record(
        actor=ANONYMOUS,
        organization=purchase.organization,
        action=Action.BENEFIT_PACKAGE_AVAILABLE,
        target=purchase,
        details={"package": purchase.package.code},
    )
    buyer = purchase.purchased_by
    notification_enqueue(
        kind="benefit_package_available",
        recipient=buyer.email,
        language=buyer.preferred_language,
        dedupe_key=f"benefit-package-available:{purchase.public_id}",
        context={
            "purchase_id": purchase.pk,
            "package_name": purchase.package.name,
            "organization_name": purchase.organization.name,
        },
        organization=purchase.organization,
    )
    return purchase


@transaction.atomic
def benefit_keys_reveal(*, actor: Actor, benefit: Benefit) -> list[str]:
    """The clear product keys of `benefit`, for a user whose permissions allow it. Every
    reveal is in the organization's history; the keys themselves never are."""
    organization = partner_organization(actor, Permission.REVEAL_KEYS)
    if benefit.organization_id != organization.pk or not benefit.has_keys:
        raise PermissionDenied
    keys = [key_decrypt(key.ciphertext) for key in benefit.keys.all()]
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.BENEFIT_KEYS_REVEALED,
        target=benefit,
        details={"product": benefit.product.code, "keys": len(keys)},
    )
    return keys


def product_keys_reencrypt() -> int:
    """Encrypt every product key again with the newest encryption key (after a rotation)."""
    count = 0
    with transaction.atomic():
        for key in ProductKey.objects.select_for_update().iterator():
            key.ciphertext = key_reencrypt(key.ciphertext)
            key.save(update_fields=["ciphertext"])
            count += 1
    return count
