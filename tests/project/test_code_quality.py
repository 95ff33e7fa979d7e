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


def _unscoped_uses(path, root=ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in TENANT_MODELS
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_views_and_forms_read_tenant_data_only_through_the_scoping_path():
    files = [
        path
        for directory in APP_DIRS
        for pattern in ("**/views.py", "**/forms.py", "**/views/*.py", "**/forms/*.py")
        for path in (ROOT / directory).glob(pattern)
    ]
    assert files, "no views or forms found: the check would prove nothing"

    offenders = [use for path in files for use in _unscoped_uses(path)]

    assert offenders == [], "use a selector or Model.objects.visible_to(actor): " + ", ".join(
        offenders
    )


def test_the_scoping_check_catches_an_unscoped_query(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("from x import Agreement\n\ndef v(r):\n    return Agreement.objects.all()\n")

    assert _unscoped_uses(sample, root=tmp_path) == ["views.py:4 Agreement.objects"]
