"""Subscription level names in the reader's language (see benefits/translation.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import SubscriptionLevel


@register(SubscriptionLevel)
class SubscriptionLevelTranslation(TranslationOptions):
    fields = ("name",)
