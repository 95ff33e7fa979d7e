"""Workbooks in their reader's language: the template, the export and a returned workbook's
messages are written in the language of whoever downloads or uploads them, and an upload is
read whichever of the portal's languages its headers are in."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agreements.models import BulkImport, Subscription

from .test_workbooks import ENGLISH_HEADERS, _xlsx
from .test_workbooks import _upload as upload

pytestmark = pytest.mark.django_db

FRENCH_HEADERS = [
    "Prénom",
    "Nom",
    "E-mail de connexion",
    "E-mail de notification",
    "Niveau",
    "Téléchargements",
    "Référence",
    "Pays/région",
    "Langue",
    "Message d'erreur",
]


def _read_in(client, language: str) -> None:
    client.post(reverse("accounts:language_set"), {"language": language})


def _template(client, agreement):
    url = reverse("agreements:workbook_template", args=[agreement.public_id])
    return load_workbook(io.BytesIO(client.get(url).content))


def _upload(client, agreement, content: bytes, capture):
    with capture(execute=True):
        return upload(client, agreement, content)


def _errors(bulk_import) -> list:
    returned = load_workbook(io.BytesIO(bytes(bulk_import.result)))["Subscribers"]
    return [[cell.value for cell in row] for row in returned.iter_rows()]


def test_a_french_reader_gets_the_template_in_french(agreement, customer_client):
    _read_in(customer_client, "fr")

    workbook = _template(customer_client, agreement)

    sheet = workbook["Subscribers"]
    assert [cell.value for cell in sheet[1]] == FRENCH_HEADERS
    downloads = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert downloads["F2:F10001"] == '"Oui,Non"'
    instructions = " ".join(str(row[0].value) for row in workbook["Instructions"].iter_rows())
    assert "Prénom, Nom, E-mail de connexion" in instructions


def test_an_english_reader_gets_the_template_in_english(agreement, customer_client):
    _read_in(customer_client, "en")

    sheet = _template(customer_client, agreement)["Subscribers"]

    assert [cell.value for cell in sheet[1]] == ENGLISH_HEADERS


@pytest.mark.parametrize(
    "headers, downloads, reader",
    [(FRENCH_HEADERS, "Non", "en"), (ENGLISH_HEADERS, "No", "fr")],
    ids=["a French workbook read by an English admin", "an English one by a French admin"],
)
def test_an_upload_is_read_whichever_language_its_headers_are_in(
    agreement, customer_client, django_capture_on_commit_callbacks, headers, downloads, reader
):
    _read_in(customer_client, reader)
    row = ["Léa", "Bernard", "lea@fabrikam.example", "", "Visual Studio Enterprise", downloads]
    row += ["R-1", "FR", "fr"]

    _upload(
        customer_client,
        agreement,
        _xlsx([row], headers=headers),
        django_capture_on_commit_callbacks,
    )

    bulk_import = BulkImport.objects.get()
    assert bulk_import.status == BulkImport.Status.SUCCEEDED, _errors(bulk_import)[1][-1]
    subscription = Subscription.objects.get()
    assert subscription.sign_in_email == "lea@fabrikam.example"
    assert subscription.downloads_enabled is False


def test_a_french_admin_gets_the_workbook_back_with_french_messages(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    _read_in(customer_client, "fr")
    rows = [["Léa", "Bernard", "pas-une-adresse", "", "", "Oui", "", "FR", "fr"]]

    _upload(
        customer_client,
        agreement,
        _xlsx(rows, headers=ENGLISH_HEADERS),
        django_capture_on_commit_callbacks,
    )

    bulk_import = BulkImport.objects.get()
    assert bulk_import.status == BulkImport.Status.FAILED
    returned = load_workbook(io.BytesIO(bytes(bulk_import.result)))["Subscribers"]
    header = [cell.value for cell in returned[1]]
    message = returned.cell(row=2, column=header.index("Error message") + 1).value
    # All of it in French, the column's name too, with French typography (a no-break space
    # before the colon).
    assert message.startswith("E-mail de connexion\u00a0: "), message
    assert "adresse" in message
    assert not Subscription.objects.exists()


def test_the_csv_export_is_in_the_readers_language(agreement, customer_client):
    _read_in(customer_client, "fr")

    url = reverse("agreements:subscribers_export_csv", args=[agreement.public_id])
    response = customer_client.get(url)

    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:3] == ["GUID de l'abonnement", "Prénom", "Nom"]
