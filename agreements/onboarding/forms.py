from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agreements.fields import CountryCodeField
from agreements.models import AdminRole, Agreement, SubscriptionLevel
from portal.tenancy.models import Organization


class AgreementAdminInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=AdminRole.choices, initial=AdminRole.ADMIN)
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        # Left out (a script's post), the email goes in the organization's language.
        required=False,
        help_text=_("For an address without an account: people with one read their own."),
    )


class OnboardingForm(forms.Form):
    """Where the first super admin puts the agreement: a new customer organization, or one
    they already run."""

    NEW = "new"

    destination = forms.ChoiceField(label=_("Organization"), widget=forms.RadioSelect)
    organization_name = forms.CharField(
        label=_("New organization's name"), max_length=200, required=False
    )

    def __init__(self, *args, organizations: list[Organization], customer_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {str(o.public_id): o for o in organizations}
        self.fields["destination"].choices = [
            (self.NEW, _("Create a new organization")),
            *((key, o.name) for key, o in self.organizations.items()),
        ]
        self.fields["destination"].initial = self.NEW
        self.fields["organization_name"].initial = customer_name
        if not organizations:
            self.fields["destination"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("destination") == self.NEW and not cleaned.get("organization_name"):
            self.add_error("organization_name", _("Name the new organization."))
        return cleaned

    def organization(self) -> Organization | None:
        return self.organizations.get(self.cleaned_data["destination"])


class AgreementPreferencesForm(forms.ModelForm):
    country = CountryCodeField()

    class Meta:
        model = Agreement
        fields = [
            "default_level",
            "default_language",
            "country",
            "default_downloads",
            "subscriber_contact_email",
            "partner_approval_required",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_level"].queryset = SubscriptionLevel.objects.filter(
            pk__in=self.instance.lines.values("level_id")
        )
