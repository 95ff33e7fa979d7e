"""Checks the test command runs on the code itself: lint and format, migrations, scoping."""

import subprocess
import sys
import tomllib

import pytest
from django.apps import apps
from django.core.management import call_command

from . import scoping_lint
from .paths import ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_finds_no_lint_errors():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout


def test_code_is_ruff_formatted():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout


# import-linter's command (lint-imports), run by this interpreter whatever PATH holds.
LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())"
)


def test_the_import_contracts_hold():
    """The layers: the ground floor imports no feature, features import no other feature, and
    only the shell imports the command center."""
    result = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert f"{len(contracts['contracts'])} kept, 0 broken" in result.stdout


def test_mypy_finds_no_type_errors_in_the_checked_modules():
    """mypy with django-stubs over every service and selector and the ground floor (the
    `files` of [tool.mypy] in pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_checks_every_service_and_selector_module():
    """A new sub-domain's services or selectors cannot slip outside the type check."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]
    checked = {
        path.relative_to(ROOT)
        for pattern in patterns
        for path in (ROOT.glob(pattern) if "*" in pattern else [ROOT / pattern])
        for path in ([path] if path.suffix == ".py" else path.rglob("*.py"))
    }
    wanted = {
        path.relative_to(ROOT)
        for app in (*scoping_lint.APP_DIRS, "api")
        for name in ("services.py", "selectors.py", "services/*.py")
        for path in (ROOT / app).rglob(name)
    }
    assert wanted, "no service or selector module found"
    assert sorted(wanted - checked) == []


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_app_file_reads_tenant_data_only_through_the_scoping_path():
    files = scoping_lint.checked_files(ROOT)
    names = {path.relative_to(ROOT).as_posix() for path in files}
    assert {
        "agreements/partner_links/views.py",
        "agreements/workbooks/rows.py",
        "portal/views.py",
    } <= (names), "the check would prove nothing"

    offenders = [str(use) for path in files for use in scoping_lint.unscoped_uses(path, ROOT)]

    assert offenders == [], "use a selector or Model.objects.visible_to(actor): " + ", ".join(
        offenders
    )


def test_the_tenant_models_are_derived_and_include_every_model_with_visible_to():
    tenant = scoping_lint.tenant_models()
    with_visible_to = {
        model.__name__
        for model in apps.get_models()
        if hasattr(model._default_manager.get_queryset(), "visible_to")
    }

    assert with_visible_to <= set(tenant)
    assert {"BulkImport", "UsageSnapshot", "PartnerLink", "Notification"} <= set(tenant)
    assert "SubscriptionLevel" not in tenant, "catalogue data is nobody's"


def _lint(tmp_path, source: str, name: str = "views.py") -> list[str]:
    sample = tmp_path / name
    sample.write_text(source)
    return [str(finding) for finding in scoping_lint.unscoped_uses(sample, tmp_path)]


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        (
            "from agreements.models import Agreement\n"
            "def v(r):\n    return Agreement.objects.all()\n",
            "views.py:3 Agreement.objects",
        ),
        (
            "from django.shortcuts import get_object_or_404\n"
            "from agreements.models import Agreement\n"
            "def v(r, pk):\n    return get_object_or_404(Agreement, public_id=pk)\n",
            "views.py:4 get_object_or_404(Agreement, ...)",
        ),
        (
            "def v(request):\n    return request.actor.organization.customer_agreements.all()\n",
            "views.py:2 related manager .organization.customer_agreements",
        ),
        (
            "from agreements.models import Agreement as A\ndef v(r):\n    return A.objects.all()\n",
            "views.py:3 Agreement.objects",
        ),
        (
            "from django.apps import apps\n"
            "def v(r):\n    return apps.get_model('agreements', 'Agreement').objects.all()\n",
            "views.py:3 apps.get_model(...)",
        ),
        (
            "from agreements.models import Subscription\ndef v(r):\n"
            "    return Subscription.objects.all()  # scoping: because I said so\n",
            "views.py:3 Subscription.objects",
        ),
    ],
    ids=["manager", "get_object_or_404", "related-manager", "alias", "get_model", "fake-reason"],
)
def test_the_scoping_lint_catches_each_way_around_it(tmp_path, source, caught):
    assert caught in _lint(tmp_path, source)


def test_the_scoping_lint_accepts_a_read_that_names_its_reason(tmp_path):
    source = (
        "from notifications.models import Notification\n"
        "def a():\n    return Notification.objects.all()  # scoping: the outbox worker sends\n"
    )

    assert _lint(tmp_path, source, "tasks.py") == []


def test_the_excluded_files_are_the_scoping_path_and_staff_tools_only():
    excluded = {
        path.relative_to(ROOT).as_posix()
        for directory in scoping_lint.APP_DIRS
        for path in (ROOT / directory).rglob("*.py")
        if scoping_lint.excluded_reason(path, ROOT)
    }

    assert "agreements/partner_links/views.py" not in excluded
    assert "agreements/partner_links/services/claims.py" in excluded
    assert "agreements/selectors.py" in excluded
