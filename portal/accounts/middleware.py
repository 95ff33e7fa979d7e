from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user reads the portal in their preferred language, on every device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class PrivateAnswersMiddleware:
    """Signed-in answers (pages, htmx fragments, exports, revealed product keys) are for one
    person: no shared cache may keep them and no browser may store them, so the back button
    after signing out, or the next person at a shared computer, finds nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        # Checked before and after the view: signing in and signing out answer privately too.
        if signed_in or request.user.is_authenticated or _session_in_use(request):
            response["Cache-Control"] = "private, no-store"
        return response


def _session_in_use(request) -> bool:
    """A session with something in it (a licensing-center sign-in, a message): whatever the
    page shows may depend on it."""
    session = getattr(request, "session", None)
    return session is not None and session.accessed and not session.is_empty()
