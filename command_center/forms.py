from django import forms
from django.utils.translation import gettext_lazy as _

from portal.tenancy.context import Actor

from .models import Tag
from .selectors import DEFAULT_SORT, SORTS, Filters, ReclaimFilters, tag_list


class CommandCenterFilterForm(forms.Form):
    """The table's filters, from the query string; a value that does not parse is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=Tag.objects.none(),  # scoping: empty until __init__ scopes it to the actor
        required=False,
        to_field_name="public_id",
    )
    ending = forms.IntegerField(
        label=_("Ending within (days)"), required=False, min_value=0, max_value=3650
    )
    free = forms.IntegerField(
        label=_("Free seats above (%)"), required=False, min_value=0, max_value=99
    )
    never = forms.BooleanField(label=_("With never-activated subscriptions"), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS],
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tag_list(actor=actor)
        self.fields["tag"].empty_label = _("Any tag")

    def filters(self) -> Filters:
        self.is_valid()
        data = self.cleaned_data
        sort = data.get("sort") or DEFAULT_SORT
        return Filters(
            q=(data.get("q") or "").strip(),
            tag=data.get("tag"),
            ending_within=data.get("ending"),
            free_above=data.get("free"),
            never_activated=bool(data.get("never")),
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
        )


class AgreementTagsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.none(),  # scoping: empty until __init__ scopes it to the actor
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )
    new_tag = forms.CharField(
        label=_("New tag"),
        required=False,
        max_length=40,
        help_text=_("Added to this agreement and offered for every other."),
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = tag_list(actor=actor)


class ReclaimFilterForm(forms.Form):
    never = forms.IntegerField(
        label=_("Never activated after (days)"), required=False, min_value=0, max_value=3650
    )
    unseen = forms.IntegerField(
        label=_("Not seen for (days)"), required=False, min_value=0, max_value=3650
    )

    def filters(self) -> ReclaimFilters:
        self.is_valid()
        defaults = ReclaimFilters()
        never = self.cleaned_data.get("never")
        unseen = self.cleaned_data.get("unseen")
        return ReclaimFilters(
            never_activated_days=defaults.never_activated_days if never is None else never,
            unseen_days=defaults.unseen_days if unseen is None else unseen,
        )
