"""Query parameters an operation does not take are refused (400), never silently ignored: a
script's typo (`?limt=10`) must not quietly return the default page; nor is a one-value
parameter given twice (`?level=a&level=b` would quietly keep the last).

Two decorators for every operation: the first (before validation) notes the unknown names
from the operation's declared query parameters; the second (after authentication and
validation, so a request without a token still gets its 401) refuses the request."""

from functools import wraps
from typing import get_origin

from django.utils.translation import gettext as _

from .problems import Problem


def _query_names(operation) -> dict[str, bool]:
    """Each query parameter the operation takes, and whether it takes several values."""
    names: dict[str, bool] = {}
    for model in operation.models:
        if model.__ninja_param_source__ != "query":
            continue
        for name, field in model.model_fields.items():
            flattened = getattr(field.annotation, "model_fields", None)
            fields = flattened.items() if flattened else [(name, field)]
            for inner_name, inner in fields:
                names[inner.alias or inner_name] = get_origin(inner.annotation) is list
    return names


def unknown_query_noted(run):
    """View-mode decorator: `run` is the operation's bound run method."""
    allowed = _query_names(run.__self__)

    @wraps(run)
    def noted(request, *args, **kwargs):
        request.unknown_query_parameters = sorted(set(request.GET) - set(allowed))
        request.repeated_query_parameters = sorted(
            name
            for name, many in allowed.items()
            if not many and len(request.GET.getlist(name)) > 1
        )
        return run(request, *args, **kwargs)

    return noted


def unknown_query_refused(view_func):
    """Operation-mode decorator: runs once the token and the declared parameters passed."""

    @wraps(view_func)
    def refused(request, *args, **kwargs):
        repeated = getattr(request, "repeated_query_parameters", [])
        if repeated:
            raise Problem(
                400,
                "repeated-parameter",
                _("These query parameters take one value each."),
                errors=[{"field": name, "detail": _("Given more than once.")} for name in repeated],
            )
        unknown = getattr(request, "unknown_query_parameters", [])
        if unknown:
            raise Problem(
                400,
                "unknown-parameter",
                _("This operation does not take these query parameters."),
                errors=[
                    {"field": name, "detail": _("Unknown query parameter.")} for name in unknown
                ],
            )
        return view_func(request, *args, **kwargs)

    return refused
