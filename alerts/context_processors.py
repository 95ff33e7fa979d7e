from django.utils.functional import SimpleLazyObject

from .selectors import alert_count


def alert_bell(request) -> dict:
    """The bell's count, read (one query) only if the page shows the bell."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.organization is None:
        return {}
    return {"alert_count": SimpleLazyObject(lambda: alert_count(actor=actor))}
