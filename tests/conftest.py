import importlib
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from portal import celery_app
from portal.tenancy.context import Actor, actor_build
from portal.tenancy.models import Role

from .factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _anymail_test_backend(settings):
    """Django's test set-up swaps in the locmem backend; put anymail's back, as the test
    settings ask, so that sends report a provider message id as real providers do."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


@pytest.fixture(autouse=True)
def _language_reset():
    """A request through the test client leaves its language active in the thread: start
    every test in the default language, whatever the test before it read."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_shared_cache():
    """The cache is the real Redis: start every test with no lockouts or rate counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _subscription_levels(request):
    """Subscription levels are data a migration writes. Tests that commit (live server, real
    workers, threads) end with a flush that wipes them: put them back for each such test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if not (transactional or "live_server" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from agreements.models import SubscriptionLevel

    migration = importlib.import_module("agreements.migrations.0002_subscription_levels")
    for code, name, sort_order in migration.LEVELS:
        SubscriptionLevel.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": sort_order}
        )


@pytest.fixture
def organization():
    return OrganizationFactory(name="Fabrikam Ltd")


@pytest.fixture
def owner(organization):
    return MembershipFactory(organization=organization, role=Role.OWNER).user


@pytest.fixture
def other_organization():
    return OrganizationFactory(name="Northwind Traders")


@pytest.fixture
def stranger(other_organization):
    """The owner of another organization."""
    return MembershipFactory(organization=other_organization, role=Role.OWNER).user


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def client_for(user, ip_address: str = "127.0.0.1") -> Client:
    """A test client signed in as `user` (from `ip_address`, for the rate limits)."""
    client = Client(REMOTE_ADDR=ip_address)
    client.force_login(user)
    return client


def actor_of(user, organization=None) -> Actor:
    return actor_build(user=user, organization_id=organization.pk if organization else None)


@pytest.fixture
def broker_queue():
    """Publish on the real broker (not in-process) to a queue only this test's worker reads."""
    queue = f"test-{uuid.uuid4().hex}"
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue)
    yield queue
    celery_app.conf.update(saved)


def pytest_terminal_summary(terminalreporter):
    from .figures import FIGURES

    if FIGURES:
        terminalreporter.section("figures measured")
        for line in FIGURES:
            terminalreporter.write_line(line)
