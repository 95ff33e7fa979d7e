from django import forms
from django.utils.translation import gettext_lazy as _

from .context import Actor
from .models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        if actor.role != Role.OWNER:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField(widget=forms.HiddenInput)
