from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .context import Actor
from .models import Permission, Role


class PermissionsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Permission.choices, required=False, **kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    permissions = PermissionsField(
        label=_("Permissions"),
        help_text=_("Owners hold every permission; administrators always manage users."),
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        # Left out (a script's post), the email goes in the organization's language.
        required=False,
        help_text=_("For an address without an account: people with one read their own."),
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the roles the actor may grant (the service refuses the others too).
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (value, label) for value, label in Role.choices if not actor.outranked_by(value)
        ]


class MembershipPermissionsForm(forms.Form):
    permissions = PermissionsField(label=_("Permissions"))


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField(widget=forms.HiddenInput)
