from django import forms
from django.utils.translation import gettext_lazy as _

from portal.tenancy.context import Actor

from . import selectors
from .models import LEVEL_ORDER, Benefit, Kind, Language, OperatingSystem, PartnerMembership


class JoinForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Membership level"),
        choices=PartnerMembership.Level.choices,
        initial=PartnerMembership.Level.NETWORK,
    )


class UpgradeForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"))

    def __init__(self, *args, membership: PartnerMembership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (value, label)
            for value, label in PartnerMembership.Level.choices
            if LEVEL_ORDER.index(value) > membership.rank
        ]


class DownloadForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the product"), choices=Language.choices)
    operating_system = forms.ChoiceField(
        label=_("Operating system of the computers"), choices=OperatingSystem.choices
    )

    def __init__(self, *args, benefit: Benefit, **kwargs):
        kwargs.setdefault("auto_id", f"id_{benefit.public_id.hex}_%s")
        super().__init__(*args, **kwargs)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership) -> str:
        user = membership.user
        return f"{user.full_name} ({user.email})" if user.full_name else user.email


class AssignForm(forms.Form):
    """Choose a user of the organization for a seat; support also needs another address."""

    member = MemberChoiceField(
        label=_("User"), queryset=None, to_field_name="public_id", empty_label=_("Choose a user")
    )
    alternate_email = forms.EmailField(
        label=_("Alternate email address"),
        max_length=254,  # the column's length: a longer one is a form error, not a crash
        help_text=_(
            "Not the address of their portal account: the support instructions go to both."
        ),
    )

    def __init__(self, *args, actor: Actor, benefit: Benefit, **kwargs):
        kwargs.setdefault("auto_id", f"id_{benefit.public_id.hex}_%s")
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.assignable_member_list(
            actor=actor, benefit=benefit
        )
        if benefit.kind != Kind.SUPPORT:
            del self.fields["alternate_email"]
