from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Open License agreements"

    def ready(self) -> None:
        from portal.accounts.proofs import email_proof_register

        from . import emails  # noqa: F401  (registers the email kinds)
        from .tokens import (
            agreement_invitation_tokens,
            licensing_link_proof_spend,
            licensing_link_proven_email,
            take_charge_proven_email,
        )

        email_proof_register(agreement_invitation_tokens.proven_email)
        email_proof_register(licensing_link_proven_email, spend=licensing_link_proof_spend)
        email_proof_register(take_charge_proven_email)
