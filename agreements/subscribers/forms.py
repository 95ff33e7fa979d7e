from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agreements.fields import CountryCodeField
from agreements.models import Agreement, Subscription, SubscriptionLevel
from agreements.subscribers.services.assignments import SubscriberDetails


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
