"""Catalogue content a reader sees in their language (django-modeltranslation): each field
gains `<field>_en` and `<field>_fr`; reading `<field>` gives the active language's text, or
the English when the French is blank. Operators edit both in the admin."""

from modeltranslation.translator import TranslationOptions, register

from .models import BenefitPackage, BenefitProduct, DownloadLink


@register(BenefitProduct)
class BenefitProductTranslation(TranslationOptions):
    fields = ("name", "instructions")


@register(BenefitPackage)
class BenefitPackageTranslation(TranslationOptions):
    fields = ("name", "description")


@register(DownloadLink)
class DownloadLinkTranslation(TranslationOptions):
    fields = ("label",)
