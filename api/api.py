"""The automation API, /api/v1/: OpenAPI 3 schema at /api/v1/openapi.json, its documentation
page at /api/v1/docs (Swagger UI from ninja's own static files, so it runs under our CSP)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .auth import TokenAuth
from .endpoints import ROUTERS
from .problems import Problem, problem_response
from .strict import unknown_query_noted, unknown_query_refused


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Errors are documented as what they are: RFC 9457 problem details."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return schema


api = PortalApi(
    title="Partner Subscriptions Portal API",
    version="1",
    description=(
        "Automate what the portal's pages do: agreements, their levels and subscribers. "
        "Authenticate with an organization API token: `Authorization: Bearer psp_…`."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    # No links inside the operations' buttons (deep links nest a link in a button: axe's
    # nested-interactive); the page's template is ours, templates/ninja/swagger.html.
    docs=Swagger(settings={"deepLinking": False}),
    openapi_url="/openapi.json",
)
api.add_decorator(unknown_query_noted, mode="view")
api.add_decorator(unknown_query_refused, mode="operation")
for router in ROUTERS:
    api.add_router("/", router)


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return problem_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response(
        request,
        Problem(
            401,
            "unauthenticated",
            _("A valid API token is needed."),
            headers={"WWW-Authenticate": "Bearer"},
        ),
    )


@api.exception_handler(Http404)
@api.exception_handler(PermissionDenied)
def _not_found(request, exc):
    # Foreign or missing, the same answer: as the pages give.
    return problem_response(request, Problem(404, "not-found", _("Not found.")))


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "detail": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    return problem_response(
        request, Problem(422, "invalid-request", _("Some values are not valid."), errors=errors)
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(request, Problem(exc.status_code, "error", str(exc)))
