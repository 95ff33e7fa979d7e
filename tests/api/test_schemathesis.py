"""schemathesis against the schema the API serves: for every operation, a bounded number of
generated requests that fit the schema and of requests that do not, each answer checked
against the schema (status, content type, headers, body) and for server errors."""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agreements.models import PartnerLink
from agreements.subscribers.services.assignments import subscription_assign
from agreements.subscribers.services.seats import SubscriberDetails
from benefits.catalogue import catalogue_install_current
from benefits.models import BenefitPackage
from benefits.services import benefit_assign, package_purchase

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerMembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)
from ..figures import figure_record
from .conftest import token_for

pytestmark = pytest.mark.django_db

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, in the test's database transaction: as Django's test
    client does, a request's end must not close the connection the test holds. The handler
    itself, not get_wsgi_application(): that runs django.setup() again, which would point the
    logging handlers at this test's captured (then closed) stderr."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _examples(strategy, label: str, headers: dict, figures: dict, failures: list) -> None:
    """Run EXAMPLES generated requests of one operation; count and keep what fails."""

    @given(case=strategy)
    # The same examples every run, so CI is reproducible; to explore further by hand,
    # set derandomize=False and EXAMPLES higher.
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        figures["examples"] += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as error:
            figures["checks failed"] += 1
            figures["checks passed"] += len(CHECKS) - 1
            failures.append(f"{label}: {error}")
        else:
            figures["checks passed"] += len(CHECKS)

    run()


def _partner_with_benefits(agreement, capture) -> dict:
    partner = PartnerOrganizationFactory()
    owner = UserFactory()
    MembershipFactory(organization=partner, user=owner, role="owner")
    PartnerMembershipFactory(organization=partner, level="silver")
    link = PartnerLinkFactory(
        agreement=agreement, partner_organization=partner, status=PartnerLink.Status.PENDING
    )
    catalogue_install_current()
    with capture(execute=True):
        purchase = package_purchase(
            actor=actor_of(owner, partner), package=BenefitPackage.objects.get(code="action-pack")
        )
    benefit = purchase.benefits.get(product__code="vs-professional")
    assignment = benefit_assign(actor=actor_of(owner, partner), benefit=benefit, user=owner)
    return {
        "org": partner,
        "owner": owner,
        "link": link,
        "benefit": benefit,
        "assignment": assignment,
    }


def test_every_operation_answers_as_its_schema_says(wsgi_app, django_capture_on_commit_callbacks):
    customer = OrganizationFactory(is_customer=True)
    boss = UserFactory()
    MembershipFactory(organization=customer, user=boss, role="owner")
    agreement = AgreementFactory(customer_organization=customer)
    line = AgreementLineFactory(agreement=agreement, seats_purchased=500)
    AgreementAdminFactory(agreement=agreement, user=boss)
    subscription = subscription_assign(
        actor=actor_of(boss, customer),
        agreement=agreement,
        level=line.level,
        details=SubscriberDetails(
            first_name="Ana", last_name="Martin", sign_in_email="a@x.example"
        ),
    )
    headers = {"Authorization": f"Bearer {token_for(boss, customer)}"}
    partner = _partner_with_benefits(agreement, django_capture_on_commit_callbacks)
    # Benefits are a partner's: their operations run with the partner's token.
    partner_headers = {"Authorization": f"Bearer {token_for(partner['owner'], partner['org'])}"}
    schema = openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    known = {
        "agreement_id": str(agreement.public_id),
        "subscriber_id": str(subscription.guid),
        "link_id": str(partner["link"].public_id),
        "benefit_id": str(partner["benefit"].public_id),
        "assignment_id": str(partner["assignment"].public_id),
    }
    figures = {"operations": 0, "examples": 0, "checks passed": 0, "checks failed": 0}
    failures: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        names = {parameter.name for parameter in operation.path_parameters}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(
                generation_mode=mode,
                path_parameters={name: known[name] for name in names},
            )

            who = partner_headers if "/benefits" in operation.path else headers
            _examples(strategy, f"{operation.label} ({mode})", who, figures, failures)

    figure_record("schemathesis: " + ", ".join(f"{n} {name}" for name, n in figures.items()))
    assert figures["operations"] >= 20
    assert failures == [], "\n\n".join(failures[:10])
