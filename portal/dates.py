"""Dates as a reader of the active language writes them: the one format of
portal/formats/<language>/formats.py, and in French "1er" for the first of the month. Templates
use the `date_display` and `datetime_display` filters (built in), Python code these
functions, so that every page, email and export shows a date the same way."""

import datetime
import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone, translation

_FIRST_OF_MONTH = re.compile(r"^1(?=\s)")


def _ordinal(text: str) -> str:
    if translation.get_language() == "fr":
        return _FIRST_OF_MONTH.sub("1er", text)
    return text


def date_display(value: datetime.date | datetime.datetime | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _date_text(translation.get_language(), value)


# A page may show a hundred different dates (the subscribers grid: assigned, activated, last
# seen), and formatting one costs a tenth of a millisecond; the days shown are few.
@functools.lru_cache(maxsize=4096)
def _date_text(language: str | None, value: datetime.date) -> str:
    # `language` is the active one, which the format follows: it only keys the cache.
    return _ordinal(formats.date_format(value, "DATE_FORMAT"))


@receiver(setting_changed)
def _formats_changed(*, setting: str, **kwargs) -> None:
    if setting in {"DATE_FORMAT", "FORMAT_MODULE_PATH", "LANGUAGE_CODE", "LANGUAGES"}:
        _date_text.cache_clear()


def datetime_display(value: datetime.datetime | None) -> str:
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return _ordinal(formats.date_format(value, "DATETIME_FORMAT"))
