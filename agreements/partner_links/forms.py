from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.fields import CountryCodeField
from agreements.models import PartnerLink
from agreements.partner_links.services.claims import OpenLicenseClaim


class OpenLicenseClaimForm(forms.Form):
    """The three values of an Open License, as printed on the agreement, and the partner's
    word that they act for this customer."""

    authorization_number = forms.CharField(
        label=_("Authorization number"),
        max_length=32,
        strip=True,
        # Where typing starts when the fly-out panel opens: htmx and <dialog> focus it.
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    license_number = forms.CharField(label=_("License number"), max_length=32, strip=True)
    customer_email = forms.EmailField(
        label=_("Customer email"),
        max_length=254,
        help_text=_("The customer's work email as it appears on the agreement."),
    )
    ends_on = forms.DateField(
        label=_("Access until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Propose an end date for your access; the customer can change it."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm that I act on behalf of this customer for this Open License."),
        error_messages={"required": _("Confirm that you act on behalf of this customer.")},
    )

    def claim(self) -> OpenLicenseClaim:
        data = self.cleaned_data
        return OpenLicenseClaim(
            authorization_number=data["authorization_number"],
            license_number=data["license_number"],
            customer_email=data["customer_email"],
            ends_on=data.get("ends_on"),
        )


class OlpPartnerRegistrationForm(OpenLicenseClaimForm):
    organization_name = forms.CharField(
        label=_("Your partner organization's name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    country = CountryCodeField()

    field_order = ["organization_name", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One autofocus per page: this form starts with the organization's name.
        del self.fields["authorization_number"].widget.attrs["autofocus"]


class PartnerAccessForm(forms.Form):
    """What a partner may do with the agreement, and until when: the customer's choice."""

    scope = forms.ChoiceField(
        label=_("Access"), choices=PartnerLink.Scope.choices, widget=forms.RadioSelect
    )
    ends_on = forms.DateField(
        label=_("Access ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to keep access until you remove it."),
    )


class PartnerAllowAgainForm(forms.Form):
    invite = forms.BooleanField(
        label=_("Email the partner an invitation to link this agreement again"),
        required=False,
        initial=True,
    )
