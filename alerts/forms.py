from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Digest, Kind
from .rules import SPECS, Rule
from .services import RuleChoice


class AlertRulesForm(forms.Form):
    """One switch per kind of alert, with the thresholds that kind has."""

    def __init__(self, *args, rules: dict[str, Rule], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, spec in SPECS.items():
            rule = rules[kind]
            self.fields[f"{kind}_enabled"] = forms.BooleanField(
                label=Kind(kind).label, required=False, initial=rule.enabled
            )
            if spec.days_label is not None:
                self.fields[f"{kind}_days"] = forms.IntegerField(
                    label=spec.days_label, min_value=1, max_value=730, initial=rule.days
                )
            if spec.percent_label is not None:
                self.fields[f"{kind}_percent"] = forms.IntegerField(
                    label=spec.percent_label, min_value=0, max_value=100, initial=rule.percent
                )

    def groups(self) -> list[list[forms.BoundField]]:
        """The fields kind by kind, for the page's one fieldset per kind."""
        return [
            [self[name] for name in self.fields if name.startswith(f"{kind}_")] for kind in SPECS
        ]

    def choices(self) -> list[RuleChoice]:
        data = self.cleaned_data
        return [
            RuleChoice(
                kind=kind,
                enabled=data[f"{kind}_enabled"],
                days=data.get(f"{kind}_days"),
                percent=data.get(f"{kind}_percent"),
            )
            for kind in SPECS
        ]


class AlertPreferenceForm(forms.Form):
    digest = forms.ChoiceField(
        label=_("Digest by email"), choices=Digest.choices, widget=forms.RadioSelect
    )
    email_kinds = forms.MultipleChoiceField(
        label=_("Kinds of alert the digest lists"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
