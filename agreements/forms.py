from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.tenancy.models import Organization

from .models import AdminRole, Agreement, PartnerLink, Subscription, SubscriptionLevel
from .services.open_license import COUNTRY_CODE, MAX_SEATS_PER_ORDER
from .services.partner_links import OpenLicenseClaim
from .services.subscriptions import SubscriberDetails


class CountryCodeField(forms.CharField):
    """An optional two-letter country/region code, upper-cased."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Country/region code"))
        kwargs.setdefault("help_text", _("Two letters, for example FR or US."))
        super().__init__(max_length=2, required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value).upper()
        if value and not COUNTRY_CODE.fullmatch(value):
            raise forms.ValidationError(_("Enter a two-letter code such as FR or US."))
        return value


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


class OrderForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer name"), max_length=200)
    customer_email = forms.EmailField(
        label=_("Customer's work email"),
        max_length=254,
        help_text=_("The customer is invited at this address to name administrators."),
    )
    default_language = forms.ChoiceField(label=_("Customer's language"), choices=settings.LANGUAGES)
    country = CountryCodeField()

    def __init__(self, *args, levels: list[SubscriptionLevel], **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = levels
        for level in levels:
            self.fields[self.seat_field(level)] = forms.IntegerField(
                label=level.name,
                min_value=0,
                max_value=MAX_SEATS_PER_ORDER,
                initial=0,
                required=False,
            )

    @staticmethod
    def seat_field(level: SubscriptionLevel) -> str:
        return f"seats_{level.code}"

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(self.seats().values()):
            raise forms.ValidationError(_("Order at least one subscription."))
        return cleaned

    def seats(self) -> dict[SubscriptionLevel, int]:
        return {level: self.cleaned_data.get(self.seat_field(level)) or 0 for level in self.levels}

    def level_fields(self):
        return [self[self.seat_field(level)] for level in self.levels]


class AgreementAdminInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=AdminRole.choices, initial=AdminRole.ADMIN)


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


class LicensingSignInForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class LevelSelect(forms.Select):
    """The levels of an agreement, each saying how many of its seats are free; a full level
    cannot be chosen (except the one the subscriber already holds)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.full: set[str] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.full:
            option["attrs"]["disabled"] = True
        return option


class SubscriberForm(forms.Form):
    """One subscriber, as the add and edit panels and every row of a workbook give it."""

    first_name = forms.CharField(
        label=_("First name"), max_length=100, widget=forms.TextInput(attrs={"autofocus": True})
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    sign_in_email = forms.EmailField(
        label=_("Sign-in email"),
        max_length=254,
        help_text=_("The address the subscriber signs in with."),
    )
    notification_email = forms.EmailField(
        label=_("Notification email"),
        max_length=254,
        required=False,
        help_text=_("Where emails go, if not to the sign-in address."),
    )
    level = forms.ModelChoiceField(
        label=_("Subscription level"),
        queryset=SubscriptionLevel.objects.none(),
        to_field_name="code",
        widget=LevelSelect,
    )
    downloads_enabled = forms.BooleanField(label=_("Software downloads"), required=False)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    country = CountryCodeField()
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        # Only the levels bought on this agreement.
        self.fields["level"].queryset = SubscriptionLevel.objects.filter(
            pk__in=agreement.lines.values("level_id")
        )
        if not self.is_bound and "initial" not in kwargs:
            self.initial = {
                "level": agreement.default_level.code if agreement.default_level else None,
                "downloads_enabled": agreement.default_downloads,
                "country": agreement.country,
                "language": agreement.default_language,
            }

    def seats_show(self, *, held_level_code: str | None = None) -> None:
        """Word each level with its free seats, and disable the full ones, for the panels
        (a workbook's rows need neither). Reads the agreement's lines, which the agreement
        pages prefetch."""
        lines = {line.level_id: line for line in self.agreement.lines.all()}
        field = self.fields["level"]
        full = set()
        labels = {}
        for level in field.queryset:
            line = lines[level.pk]
            if line.seats_available <= 0 and level.code != held_level_code:
                full.add(level.code)
                labels[level.pk] = _("%(level)s: full, all %(purchased)s seats assigned") % {
                    "level": level.name,
                    "purchased": line.seats_purchased,
                }
            else:
                labels[level.pk] = _("%(level)s: %(free)s of %(purchased)s seats free") % {
                    "level": level.name,
                    "free": line.seats_available,
                    "purchased": line.seats_purchased,
                }
        field.label_from_instance = lambda level: labels[level.pk]
        field.widget.full = full
        if full:
            field.help_text = _(
                "A full level cannot be chosen: free one of its seats or order more first."
            )

    @classmethod
    def for_subscription(cls, *args, subscription: Subscription, **kwargs) -> "SubscriberForm":
        initial = {
            "first_name": subscription.first_name,
            "last_name": subscription.last_name,
            "sign_in_email": subscription.sign_in_email,
            "notification_email": subscription.notification_email,
            "level": subscription.line.level.code,
            "downloads_enabled": subscription.downloads_enabled,
            "reference": subscription.reference,
            "country": subscription.country,
            "language": subscription.language,
        }
        return cls(*args, agreement=subscription.agreement, initial=initial, **kwargs)

    def details(self) -> SubscriberDetails:
        data = self.cleaned_data
        return SubscriberDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            sign_in_email=data["sign_in_email"],
            notification_email=data["notification_email"],
            reference=data["reference"],
            downloads_enabled=data["downloads_enabled"],
            country=data["country"],
            language=data["language"],
        )


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
