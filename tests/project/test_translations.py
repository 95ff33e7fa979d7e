import re
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from .paths import ROOT

CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _msgattrib(flag: str) -> str:
    result = subprocess.run(
        ["msgattrib", flag, str(CATALOGUE)], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    assert CATALOGUE.read_text().count("msgid ") > 100
    assert _msgattrib("--untranslated") == "", "run makemessages, then translate these"
    assert _msgattrib("--only-fuzzy") == "", "review these fuzzy translations"


def test_no_translated_string_hides_inside_an_f_string():
    """makemessages does not read calls inside f-strings: such a string never reaches the
    catalogue and stays in English in every language."""
    inside = re.compile(r"""\bf(['"]).*\{[^}]*\b(n?gettext|pgettext|_)\(""")
    hidden = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("agreements", "benefits", "notifications", "portal")
        for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if inside.search(line)
    ]
    assert hidden == []


@pytest.mark.django_db
def test_a_french_speaking_user_reads_the_portal_in_french(owner):
    owner.preferred_language = "fr"
    owner.save()
    client = Client()
    client.force_login(owner)

    page = client.get(reverse("tenancy:members")).content.decode()

    assert '<html lang="fr">' in page
    assert "Accueil" in page and "Utilisateurs" in page
