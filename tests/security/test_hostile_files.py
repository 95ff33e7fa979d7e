"""Hostile files, the cases tests/agreements/test_workbooks.py and test_order_import.py do not
already try (they cover: over 5 MB, not a workbook, unpacking past 50 MB, .xlsm/.xls/.csv
names, macros, too many rows with a lowered limit, formulas without saved values, exports
that cannot run formulas, oversized and non-UTF-8 CSV). Here: a truncated and a damaged
workbook, a zip whose directory lies about sizes, too many zip members, a real 1,000,000-row
workbook, external links, and a CSV with formulas or NUL bytes. Each is refused with a clear
message and writes nothing."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from agreements.models import BulkImport, Subscription
from agreements.orders.csv_import import OrderImportError, order_import
from agreements.workbooks.columns import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
)
from agreements.workbooks.reading import _SavedValueParser
from portal.tenancy.context import actor_build
from tests.agreements.test_workbooks import _person, _with_cached_formula, _xlsx
from tests.factories import PartnerOrganizationFactory, UserFactory

from .helpers import assert_unchanged, client_for, snapshot

pytestmark = pytest.mark.django_db

UNREADABLE = "This file is not an Excel workbook that can be read."


@pytest.fixture
def upload(fabrikam, probes, django_capture_on_commit_callbacks):
    """Upload `content` to add subscribers, the worker's part run at once; the page."""

    def send(content: bytes, name: str = "subscribers.xlsx"):
        url = reverse("agreements:workbook_add", args=[fabrikam.agreement.public_id])
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(fabrikam.owner).post(
                url, {"workbook": SimpleUploadedFile(name, content)}, follow=True
            )
        probes.tried()
        assert response.status_code < 500
        return response.content.decode()

    return send


@pytest.fixture
def refused(fabrikam, upload, probes):
    """Upload, and expect `message` on the page with nothing written but, for a file that
    passed the size checks, the failed upload's own record, which carries the message."""

    def send(content: bytes, message: str):
        before = snapshot()
        page = upload(content)
        assert message in page
        # The failed upload's record may be the one row added: count it as already there.
        before["agreements.BulkImport"] += BulkImport.objects.filter(
            status=BulkImport.Status.FAILED, message__contains=message
        ).count()
        assert_unchanged(probes, before, "a refused workbook")

    return send


def _rezip(content: bytes, change) -> bytes:
    """`content`'s members through `change(name, data) -> data | None` (None drops one)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = change(member.filename, source.read(member))
            if data is not None:
                target.writestr(member.filename, data)
    return buffer.getvalue()


def test_a_truncated_workbook_is_refused(refused):
    content = _xlsx([_person(1)])
    refused(content[: len(content) // 2], UNREADABLE)


def test_a_workbook_whose_sheet_is_not_xml_is_refused(refused):
    def damage(name, data):
        return b"<worksheet><sheetData><row>\x00\xff" if name.endswith("sheet1.xml") else data

    refused(_rezip(_xlsx([_person(1)]), damage), UNREADABLE)


def test_a_zip_whose_directory_understates_a_member_is_refused_without_unpacking_it(
    refused,
):
    """A zip bomb that lies: its directory says a sheet is 1 kB while it inflates to 100 MB.
    The size check believes the directory, so the reader must stop at the stated size."""
    content = _rezip(
        _xlsx([_person(1)]),
        lambda name, data: b" " * 100_000_000 if name.endswith("sheet1.xml") else data,
    )
    stated = 1024
    patched = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        member = next(m for m in archive.infolist() if m.filename.endswith("sheet1.xml"))
    # The local header's and the central directory's uncompressed sizes.
    struct.pack_into("<I", patched, member.header_offset + 22, stated)
    name = member.filename.encode()
    central = next(
        offset
        for offset in range(len(patched) - 46)
        if patched[offset : offset + 4] == b"PK\x01\x02"
        and patched[offset + 46 : offset + 46 + len(name)] == name
    )
    struct.pack_into("<I", patched, central + 24, stated)
    assert len(patched) < 200_000

    refused(bytes(patched), UNREADABLE)


def test_a_workbook_of_too_many_zip_members_is_refused(refused):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(_xlsx([_person(1)]))) as template:
            for member in template.infolist():
                archive.writestr(member, template.read(member))
        for n in range(MAX_ZIP_MEMBERS):
            archive.writestr(f"xl/media/{n}.bin", b"")

    refused(buffer.getvalue(), UNREADABLE)


def _million_rows() -> bytes:
    """The template's workbook with its sheet swapped for one of a header and 1,000,000
    rows, written as XML straight into the zip: about 100 kB to upload, 26 MB unpacked."""
    header = "".join(f'<c t="inlineStr"><is><t>{column.header}</t></is></c>' for column in COLUMNS)
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData><row>"
        + header.encode()
        + b"</row>"
        + b"<row><c><v>1</v></c></row>" * 1_000_000
        + b"</sheetData></worksheet>"
    )
    return _rezip(_xlsx([]), lambda name, data: sheet if name.endswith("sheet1.xml") else data)


def test_a_million_row_workbook_is_refused_at_the_row_limit_without_reading_the_rest(
    upload, probes, monkeypatch
):
    content = _million_rows()
    assert len(content) < MAX_FILE_BYTES
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sum(m.file_size for m in archive.infolist()) < MAX_UNPACKED_BYTES
    rows_parsed = []
    parse = _SavedValueParser.parse

    def counting(self):
        for row in parse(self):
            rows_parsed.append(row[0])
            yield row

    monkeypatch.setattr(_SavedValueParser, "parse", counting)
    before = snapshot()

    page = upload(content)

    bulk_import = BulkImport.objects.get()
    assert bulk_import.status == BulkImport.Status.FAILED
    assert bulk_import.message == (
        "The workbook has more than 10,000 subscribers; at most 10,000 can be uploaded at "
        "once. Split it into smaller workbooks."
    )
    assert "Upload" in page
    import_page = client_for(bulk_import.uploaded_by).get(
        reverse(
            "agreements:workbook_import",
            args=[bulk_import.agreement.public_id, bulk_import.public_id],
        )
    )
    assert bulk_import.message in import_page.content.decode()
    assert len(rows_parsed) <= MAX_ROWS + 2, "it stopped at the limit"
    after = snapshot()
    # The upload's own record, with its message, is the one row kept.
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "agreements.BulkImport": 1
    }
    assert Subscription.objects.count() == 1


def _with_external_link(content: bytes, cell: str, saved: str) -> bytes:
    """`content` with a link to another workbook on the web, and `cell` a formula that reads
    from it with `saved` as its last saved value."""
    target = "http://evil.example/book.xlsx"
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b"</externalBook></externalLink>"
    )
    link_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="' + target + '" TargetMode="External" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'externalLinkPath"/></Relationships>'
    ).encode()

    def change(name, data):
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="'
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
                b'"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdX" Target="externalLinks/externalLink1.xml" Type="'
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                b'externalLink"/></Relationships>',
            )
        if name == "xl/workbook.xml":
            return data.replace(
                b"</sheets>",
                b'</sheets><externalReferences><externalReference r:id="rIdX"/>'
                b"</externalReferences>",
            )
        return data

    content = _rezip(content, change)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target_zip,
    ):
        for member in source.infolist():
            target_zip.writestr(member.filename, source.read(member))
        target_zip.writestr("xl/externalLinks/externalLink1.xml", link)
        target_zip.writestr("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels)
    return _with_cached_formula(buffer.getvalue(), cell, "[1]Sheet1!A1", saved)


def test_an_external_link_is_never_followed_only_the_saved_value_is_read(fabrikam, upload, probes):
    content = _with_external_link(_xlsx([_person(1)]), "G2", "From the link")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "xl/externalLinks/externalLink1.xml" in archive.namelist()

    upload(content)

    added = Subscription.objects.get(sign_in_email="person1@fabrikam.example")
    assert added.reference == "From the link"


def test_a_workbook_sent_back_with_errors_has_no_external_link_left(fabrikam, upload):
    content = _with_external_link(
        _xlsx([_person(1), _person(2, sign_in_email="not-an-email")]), "G2", "Linked"
    )
    before = snapshot()

    upload(content)

    bulk_import = BulkImport.objects.get()
    assert bulk_import.status == BulkImport.Status.FAILED
    with zipfile.ZipFile(io.BytesIO(bytes(bulk_import.result))) as archive:
        assert not [name for name in archive.namelist() if "externalLink" in name]
    load_workbook(io.BytesIO(bytes(bulk_import.result)))  # still a workbook
    after = snapshot()
    assert {k for k in after if after[k] != before[k]} == {"agreements.BulkImport"}


# The order import (operators' CSV) ----------------------------------------------------------

HEADER = "partner,customer_name,customer_email,language,country,vs-enterprise"
FORMULAS = (
    '=HYPERLINK("http://evil.example","Fabrikam")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
)


@pytest.fixture
def operator():
    return actor_build(user=UserFactory(is_staff=True))


def _import_refused(probes, operator, content: bytes) -> list[str]:
    before = snapshot()
    with pytest.raises(OrderImportError) as raised:
        order_import(actor=operator, file=io.BytesIO(content))
    probes.tried()
    assert_unchanged(probes, before, "a refused order file")
    return [str(error) for error in raised.value.errors]


def test_an_order_file_with_formulas_is_refused_line_by_line(operator, probes):
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    for formula in FORMULAS:
        quoted = '"' + formula.replace('"', '""') + '"'
        for row in (
            f"{partner.public_id},{quoted},it@fabrikam.example,en,FR,5",
            f"{quoted},Fabrikam,it@fabrikam.example,en,FR,5",
            f"{partner.public_id},Fabrikam,{quoted},en,FR,5",
        ):
            errors = _import_refused(probes, operator, f"{HEADER}\n{row}\n".encode())
            assert any(
                error.startswith("Line 2:") and "starts like a formula" in error for error in errors
            ), errors


def test_an_order_file_with_a_null_character_is_refused_with_its_line(operator, probes):
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    content = (
        f"{HEADER}\n{partner.public_id},Fabrikam,it@fabrikam.example,en,FR,5\n"
        f"{partner.public_id},Fab\x00rikam,it2@fabrikam.example,en,FR,5\n"
    ).encode()

    errors = _import_refused(probes, operator, content)

    assert errors == ["Line 3: This line holds a null character: the file is not CSV text."]


def test_the_admin_page_shows_the_formula_refusal(probes):
    operator = UserFactory(is_staff=True, is_superuser=True)
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    content = f'{HEADER}\n{partner.public_id},"=1+1",it@fabrikam.example,en,FR,5\n'.encode()
    before = snapshot()

    response = client_for(operator).post(
        reverse("admin:agreements_agreement_import"),
        {"file": SimpleUploadedFile("orders.csv", content)},
    )
    probes.tried()

    assert response.status_code == 200
    assert "starts like a formula" in response.content.decode()
    assert_unchanged(probes, before, "the admin order import")
