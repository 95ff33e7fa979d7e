"""Every user-facing string has a French translation that a French reader expects.

The catalogue is extracted afresh from a copy of the code (makemessages on a copy, so the
checked-in .po is never rewritten by a test): a string added to the code without a French
translation, or one whose English changed (fuzzy), fails here. French typography: a
non-breaking space before : ; ! ? (a plain space, or none, lets the sign start a line).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

from tests.figures import figure_record

ROOT = Path(__file__).resolve().parents[2]
# What makemessages reads: the project's apps (each top-level folder with an apps.py, so a
# new app is read without anyone listing it), the templates and the catalogue.
SOURCES = (
    "manage.py",
    "templates",
    "locale",
    *sorted(path.parent.name for path in ROOT.glob("*/apps.py")),
)
# A sign of high punctuation after a word, with no non-breaking (or narrow) space before it,
# ending a word group (not "https://", "12:30", "%(name)s:%(x)s").
BARE_PUNCTUATION = re.compile(r"(?<=[^\s\u00a0\u202f])[:;!?](?=\s|$|<|»|\")|(?<= )[:;!?]")


@pytest.fixture(scope="module")
def extracted_catalogues(tmp_path_factory) -> list[Path]:
    copy = tmp_path_factory.mktemp("catalogue")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "-v0"],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        check=True,
    )
    catalogues = sorted((copy / "locale").glob("*/LC_MESSAGES/*.po"))
    assert catalogues, "makemessages wrote no catalogue"
    return catalogues


def _live_entries(path: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def test_every_french_msgid_is_translated_and_none_is_fuzzy(extracted_catalogues):
    missing = []
    for path in extracted_catalogues:
        for entry in _live_entries(path):
            if not entry.translated() or "fuzzy" in entry.flags:
                missing.append(f"{path.name}: {entry.msgctxt or ''} {entry.msgid!r}")
    entries = sum(len(_live_entries(path)) for path in extracted_catalogues)
    figure_record(
        f"translations: {entries} French msgids checked, untranslated or fuzzy found: "
        f"{len(missing)}"
    )
    assert not missing, "\n".join(missing)


def test_no_translated_string_hides_inside_an_f_string():
    """makemessages does not read calls inside f-strings: such a string never reaches the
    catalogue and stays in English in every language."""
    inside = re.compile(r"""\bf(['"]).*\{[^}]*\b(n?gettext|pgettext|_)\(""")
    hidden = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in (
            "agreements",
            "benefits",
            "notifications",
            "portal",
            "licensing_center",
            "api",
            "command_center",
            "alerts",
        )
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


def test_the_checked_in_catalogue_is_the_extracted_one(extracted_catalogues):
    """The .po in the repository holds every msgid the code has (makemessages was re-run)."""
    extracted = {(entry.msgctxt, entry.msgid) for entry in _live_entries(extracted_catalogues[0])}
    checked_in = {
        (entry.msgctxt, entry.msgid)
        for entry in _live_entries(ROOT / "locale/fr/LC_MESSAGES/django.po")
    }
    assert sorted(extracted - checked_in, key=str) == []


def test_french_has_a_non_breaking_space_before_high_punctuation():
    bare = []
    for entry in _live_entries(ROOT / "locale/fr/LC_MESSAGES/django.po"):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            plain = re.sub(r"https?://\S+|%\([a-z_]+\)[sd]|\{[^}]*\}", "x", text)
            if BARE_PUNCTUATION.search(plain):
                bare.append(text)
    figure_record(f"French typography: signs : ; ! ? without a non-breaking space: {len(bare)}")
    assert not bare, "\n".join(bare)


def test_the_typography_check_finds_a_bare_colon():
    assert BARE_PUNCTUATION.search("Ajout en masse: x")
    assert BARE_PUNCTUATION.search("Ajout en masse : x")
    assert not BARE_PUNCTUATION.search("Ajout en masse\u00a0: x")
    assert not BARE_PUNCTUATION.search("https://x.example 12:30")
