"""Query parameters an operation does not take are refused (400), never silently ignored: a
script's typo (`?limt=10`) must not quietly return the default page.

Two decorators for every operation: the first (before validation) notes the unknown names
from the operation's declared query parameters; the second (after authentication and
validation, so a request without a token still gets its 401) refuses the request."""

from functools import wraps

from django.utils.translation import gettext as _

from .problems import Problem


def _query_names(operation) -> set[str]:
    names: set[str] = set()
    for model in operation.models:
        if model.__ninja_param_source__ != "query":
            continue
        flattened = getattr(model, "__ninja_flatten_map__", None)
        if flattened:
            names.update(flattened)
        else:
            names.update(field.alias or name for name, field in model.model_fields.items())
    return names


def unknown_query_noted(run):
    """View-mode decorator: `run` is the operation's bound run method."""
    allowed = _query_names(run.__self__)

    @wraps(run)
    def noted(request, *args, **kwargs):
        request.unknown_query_parameters = sorted(set(request.GET) - allowed)
        return run(request, *args, **kwargs)

    return noted


def unknown_query_refused(view_func):
    """Operation-mode decorator: runs once the token and the declared parameters passed."""

    @wraps(view_func)
    def refused(request, *args, **kwargs):
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
