from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    """Narrow a history to one kind of event and one person; the choices are what occurs."""

    action = forms.ChoiceField(label=_("What"), required=False)
    person = forms.ChoiceField(label=_("Who"), required=False)

    def __init__(self, data, *, actions: list[tuple[str, str]], people: list[str]):
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Everything")), *actions]
        cast(forms.ChoiceField, self.fields["person"]).choices = [
            ("", _("Everyone")),
            *((p, p) for p in people),
        ]

    def narrowing(self) -> dict[str, str]:
        """The valid filters (an unknown value narrows nothing rather than erring)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
