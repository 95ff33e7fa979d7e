"""Checks the test command runs on the code itself: lint and format, migrations, scoping."""

import ast
import subprocess
import sys

import pytest
from django.core.management import call_command

from .paths import ROOT

# Tenant-owned models: views and forms reach them only through selectors or `visible_to`.
TENANT_MODELS = {
    "Organization",
    "Membership",
    "Invitation",
    "AuditEntry",
    "Notification",
    "Agreement",
    "AgreementLine",
    "AgreementAdmin",
    "AgreementInvitation",
    "PartnerLink",
    "LicensingContact",
    "Subscription",
    "PartnerMembership",
    "PackagePurchase",
    "Benefit",
    "ProductKey",
    "BenefitAssignment",
}
APP_DIRS = ["portal", "agreements", "benefits", "notifications"]


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


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# The code that answers people or acts for them: views, forms, tasks, exports and what every
# page renders. Selectors and services are the scoping path itself; email context builders
# render a notification the outbox already addressed.
CHECKED_FILES = (
    "**/views.py",
    "**/views/*.py",
    "**/forms.py",
    "**/forms/*.py",
    "**/tasks.py",
    "**/workbooks.py",
    "**/usage.py",
    "**/grid.py",
    "**/context_processors.py",
)
# A read that no actor makes (the outbox worker, a nightly job) or that is filtered by an
# object which came through the scoping path says so on its line, with the reason.
JUSTIFIED = "# scoping: "


def _unscoped_uses(path, root=ROOT) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager", "_base_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in TENANT_MODELS
        ):
            comment = lines[node.lineno - 1].partition(JUSTIFIED)[2].strip()
            if len(comment) < 10:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_views_forms_tasks_and_exports_read_tenant_data_only_through_the_scoping_path():
    files = [
        path
        for directory in APP_DIRS
        for pattern in CHECKED_FILES
        for path in (ROOT / directory).glob(pattern)
    ]
    assert {path.name for path in files} >= {"views.py", "forms.py", "tasks.py", "workbooks.py"}, (
        "the check would prove nothing"
    )

    offenders = [use for path in files for use in _unscoped_uses(path)]

    assert offenders == [], "use a selector or Model.objects.visible_to(actor): " + ", ".join(
        offenders
    )


def test_the_scoping_check_catches_an_unscoped_query(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("from x import Agreement\n\ndef v(r):\n    return Agreement.objects.all()\n")

    assert _unscoped_uses(sample, root=tmp_path) == ["views.py:4 Agreement.objects"]


def test_the_scoping_check_accepts_only_a_read_that_gives_its_reason(tmp_path):
    sample = tmp_path / "tasks.py"
    sample.write_text(
        "from x import Notification\n\n"
        "def a():\n    return Notification.objects.all()  # scoping: the outbox worker\n"
        "def b():\n    return Notification.objects.all()  # scoping:\n"
    )

    assert _unscoped_uses(sample, root=tmp_path) == ["tasks.py:6 Notification.objects"]
