from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Open License agreements"

    def ready(self) -> None:
        # The sub-domains' email kinds and Celery tasks register themselves on import.
        from agreements.onboarding import emails as _onboarding_emails  # noqa: F401
        from agreements.onboarding.tokens import (
            agreement_invitation_tokens,
            take_charge_proven_email,
        )
        from agreements.partner_links import emails as _partner_link_emails  # noqa: F401
        from agreements.partner_links import tasks as _partner_link_tasks  # noqa: F401
        from agreements.partner_links.tokens import (
            licensing_link_proof_spend,
            licensing_link_proven_email,
        )
        from agreements.subscribers import emails as _subscriber_emails  # noqa: F401
        from agreements.usage import tasks as _usage_tasks  # noqa: F401
        from agreements.workbooks import tasks as _workbook_tasks  # noqa: F401
        from portal.accounts.proofs import email_proof_register

        email_proof_register(agreement_invitation_tokens.proven_email)
        email_proof_register(licensing_link_proven_email, spend=licensing_link_proof_spend)
        email_proof_register(take_charge_proven_email)
