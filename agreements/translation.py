"""Subscription level names in the reader's language (see benefits/translation.py)."""

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname, get_language

from .models import SubscriptionLevel


@register(SubscriptionLevel)
class SubscriptionLevelTranslation(TranslationOptions):
    fields = ("name",)


def level_name_localized(path: str) -> Coalesce:
    """The level name at `path` (such as "line__level__name") in the reader's language, else
    the default one, for `.values()`: modeltranslation rewrites the model's own fields,
    not a lookup through a relation."""
    translated = build_localized_fieldname(path, get_language())
    return Coalesce(NullIf(F(translated), Value("")), F(path))
