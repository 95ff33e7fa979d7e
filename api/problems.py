"""RFC 9457 problem details: every error the API gives is one of these."""

from django.http import HttpRequest, JsonResponse

PROBLEM_TYPE_BASE = "https://portal.example/problems/"


class Problem(Exception):
    """An error answer, raised anywhere under the API and rendered by `problem_response`."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str = "",
        *,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(request: HttpRequest, problem: Problem) -> JsonResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + problem.kind,
        "title": str(problem.title),
        "status": problem.status,
        "instance": request.path,
    }
    if problem.detail:
        body["detail"] = str(problem.detail)
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=problem.status, content_type="application/problem+json")
    for name, value in problem.headers.items():
        response[name] = value
    return response


def form_errors(form) -> list[dict]:
    """A form's errors as the problem's `errors`: one entry per message, with its field."""
    return [
        {"field": field if field != "__all__" else None, "detail": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]
