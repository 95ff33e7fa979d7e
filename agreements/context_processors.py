from django.utils.functional import SimpleLazyObject

from .selectors import agreement_menu


def agreements(request) -> dict:
    """The header's agreements dropdown, queried only on pages that show it."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.organization is None:
        return {"agreements_menu": None}
    return {"agreements_menu": SimpleLazyObject(lambda: agreement_menu(actor=actor))}
