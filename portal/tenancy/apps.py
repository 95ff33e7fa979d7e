from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "portal.tenancy"
    label = "tenancy"
    verbose_name = "Organizations"

    def ready(self) -> None:
        from portal.accounts.proofs import email_proof_register

        from . import emails  # noqa: F401  (registers the email kinds)
        from .tokens import organization_invitation_tokens

        email_proof_register(organization_invitation_tokens.proven_email)
