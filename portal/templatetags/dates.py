from django import template

from portal.dates import date_display, datetime_display

register = template.Library()
register.filter("date_display", date_display)
register.filter("datetime_display", datetime_display)
