"""One date and one date-and-time format per language, day first with the month in letters,
the same in pages, emails and exports; French writes the first of the month "1er"."""

import datetime

from django.template import engines
from django.utils import timezone, translation

from portal.dates import date_display, datetime_display

NEW_YEAR = datetime.date(2026, 1, 1)
MORNING = datetime.datetime(2026, 12, 2, 4, 26, tzinfo=datetime.UTC)


def test_english_dates_are_day_first_with_the_month_in_letters():
    with translation.override("en"), timezone.override("UTC"):
        assert date_display(NEW_YEAR) == "1 Jan 2026"
        assert datetime_display(MORNING) == "2 Dec 2026, 04:26"
        assert date_display(MORNING) == "2 Dec 2026"


def test_french_dates_say_1er_for_the_first_of_the_month():
    with translation.override("fr"), timezone.override("UTC"):
        assert date_display(NEW_YEAR) == "1er janvier 2026"
        assert date_display(datetime.date(2026, 1, 11)) == "11 janvier 2026"
        assert datetime_display(MORNING) == "2 décembre 2026 à 04:26"


def test_templates_use_the_same_filters_and_formats():
    template = engines["django"].from_string(
        "{{ day|date_display }} · {{ moment|datetime_display }} · "
        "{{ day|date:'SHORT_DATE_FORMAT' }}"
    )
    with translation.override("fr"), timezone.override("UTC"):
        text = template.render({"day": NEW_YEAR, "moment": MORNING})
    assert text == "1er janvier 2026 · 2 décembre 2026 à 04:26 · 1 janvier 2026"


def test_plain_text_emails_have_the_filters_too():
    template = engines["text"].from_string("{{ day|date_display }}")
    with translation.override("en"):
        assert template.render({"day": NEW_YEAR}) == "1 Jan 2026"
