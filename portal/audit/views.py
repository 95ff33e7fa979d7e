"""The History pages' shared parts: every history (an organization's, an agreement's)
filters by kind of event and person, pages, and exports what it shows as CSV."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from portal.spreadsheets import csv_response

from .forms import AuditFilterForm
from .models import AuditEntry
from .selectors import audit_csv_rows, audit_entries_filter, audit_filter_choices

HISTORY_PAGE_SIZE = 50


def _filtered(request: HttpRequest, entries: QuerySet[AuditEntry]):
    actions, people = audit_filter_choices(entries)
    form = AuditFilterForm(request.GET, actions=actions, people=people)
    return form, audit_entries_filter(entries, **form.narrowing())


def history_context(request: HttpRequest, entries: QuerySet[AuditEntry]) -> dict:
    """The filter form, the page of entries it selects, and the export's query string."""
    form, chosen = _filtered(request, entries)
    narrowing = request.GET.copy()
    narrowing.pop("page", None)
    return {
        "filter_form": form,
        "page": Paginator(chosen, HISTORY_PAGE_SIZE).get_page(request.GET.get("page")),
        "export_query": narrowing.urlencode(),
    }


def history_csv(
    request: HttpRequest, entries: QuerySet[AuditEntry], file_name: str
) -> HttpResponse:
    """The entries the same filters select, every one of them, as CSV."""
    _form, chosen = _filtered(request, entries)
    return csv_response(file_name, audit_csv_rows(chosen))
