from .context import actor_for_request


class ActorMiddleware:
    """Sets `request.actor` (user, current organization, role) once for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = actor_for_request(request)
        return self.get_response(request)
