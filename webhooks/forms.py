from django import forms
from django.utils.translation import gettext_lazy as _

from .events import SUBSCRIBABLE


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https address of yours that accepts POST requests."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives the events: “PSA sync”."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(str(choice), choice.label) for choice in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Switched off, the endpoint is sent nothing; events are not kept for it."),
    )
