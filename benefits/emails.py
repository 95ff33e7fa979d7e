from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.kinds import email_kind
from notifications.rendering import absolute_url

from .models import BenefitAssignment


def _benefits_url(tab: str) -> str:
    return absolute_url(reverse("benefits:benefits", args=[tab]))


@email_kind(
    "benefit_package_available",
    label=_("A benefit package is ready to use"),
    preview={
        "package_name": "Action Pack",
        "organization_name": "Contoso Partners",
        "benefits_url": absolute_url("/partnership/benefits/software/"),
    },
)
def package_available_context(context: dict) -> dict:
    return {"benefits_url": _benefits_url("software")}


SUPPORT_PREVIEW = {
    "first_name": "Bruno",
    "product_name": "Advanced support for partners",
    "organization_name": "Contoso Partners",
    "account_email": "bruno.petit@contoso-partners.example",
    "alternate_email": "bruno.support@contoso.example",
    "activation_days": 3,
    "manage_url": "https://support.example/partners",
    "instructions": "Call the support line or open a request with your access ID.",
}


@email_kind(
    "benefit_visual_studio_assigned",
    label=_("Visual Studio subscription assigned to a partner's user"),
    preview={
        "first_name": "Bruno",
        "product_name": "Visual Studio Enterprise subscription",
        "organization_name": "Contoso Partners",
        "manage_url": "https://my.visualstudio.example",
        "subscriptions_url": absolute_url("/my-subscriptions/"),
    },
)
def visual_studio_assigned_context(context: dict) -> dict:
    assignment = BenefitAssignment.objects.select_related("benefit__product").get(
        pk=context["assignment_id"]
    )
    return {
        "manage_url": assignment.benefit.product.manage_url,
        "subscriptions_url": absolute_url(reverse("my_subscriptions")),
    }


def _support_context(context: dict) -> dict:
    assignment = BenefitAssignment.objects.select_related("benefit__product").get(
        pk=context["assignment_id"]
    )
    return {
        "activation_days": settings.SUPPORT_ACTIVATION_DELAY_DAYS,
        "manage_url": assignment.benefit.product.manage_url,
        "instructions": assignment.benefit.product.instructions,
    }


@email_kind(
    "benefit_support_instructions",
    label=_("Support benefit assigned: access instructions"),
    preview=SUPPORT_PREVIEW,
)
def support_instructions_context(context: dict) -> dict:
    return _support_context(context)


@email_kind(
    "benefit_support_activated",
    label=_("Support benefit active"),
    preview=SUPPORT_PREVIEW,
)
def support_activated_context(context: dict) -> dict:
    return _support_context(context)
