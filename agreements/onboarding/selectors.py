from django.db.models import QuerySet

from agreements.models import Agreement, AgreementAdmin, AgreementInvitation


def agreement_admin_list(*, agreement: Agreement) -> QuerySet[AgreementAdmin]:
    return AgreementAdmin.objects.filter(agreement=agreement).select_related("user")


def agreement_invitation_list_addressed_to(*, user) -> list[AgreementInvitation]:
    """Pending, unexpired invitations to administer an agreement, sent to the user's verified
    address, for the welcome page."""
    if not user.is_authenticated or not user.is_verified:
        return []
    invitations = AgreementInvitation.objects.pending().filter(email__iexact=user.email)
    return [i for i in invitations.select_related("agreement") if not i.is_expired]


def agreement_invitation_list_pending(*, agreement: Agreement) -> QuerySet[AgreementInvitation]:
    return (
        AgreementInvitation.objects.filter(agreement=agreement)
        .pending()
        .select_related("invited_by")
    )


def agreements_to_take_charge_of(*, user) -> list[Agreement]:
    """Agreements nobody has taken charge of yet whose customer email is the user's verified
    address: proving that mailbox is proving to be the customer."""
    if not user.is_authenticated or not user.is_verified:
        return []
    return list(
        Agreement.objects.filter(
            customer_organization__isnull=True, customer_email__iexact=user.email
        )
        .select_related("partner_of_record")
        .order_by("authorization_number")
    )


def agreement_to_take_charge_of_or_none(*, public_id, email: str) -> Agreement | None:
    """The agreement a take-charge link names, while nobody has taken charge of it and its
    customer email is still the address the link was made for."""
    return Agreement.objects.filter(  # scoping: the signed link is the proof of the email
        public_id=public_id, customer_organization__isnull=True, customer_email__iexact=email
    ).first()
