from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agreements.fields import CountryCodeField
from agreements.models import SubscriptionLevel
from agreements.orders.services import MAX_SEATS_PER_ORDER


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
