from django import forms
from django.utils.translation import gettext_lazy as _


class LicensingSignInForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
