import re

from django import forms
from django.utils.translation import gettext_lazy as _


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


COUNTRY_CODE = re.compile(r"[A-Z]{2}")
