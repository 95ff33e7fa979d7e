"""Subscribers in workbooks: the template, bulk add and bulk edit uploads (all rows or none,
errors written back into the workbook), exports that cannot run formulas, the limits on
what is uploaded, progress, and access."""

import csv
import io
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from agreements.models import (
    AgreementLine,
    BulkImport,
    PartnerLink,
    Subscription,
    SubscriptionLevel,
)
from agreements.subscribers.forms import SubscriberForm
from agreements.subscribers.services.assignments import (
    SubscriberDetails,
    subscription_assign,
    subscriptions_assign_bulk,
)
from agreements.workbooks import reading, services
from agreements.workbooks.columns import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_UNPACKED_BYTES,
    TEMPLATE_COLUMNS,
    XLSX_CONTENT_TYPE,
)
from agreements.workbooks.rows import _levels_by_name, _RowForm
from agreements.workbooks.tasks import bulk_import_run
from portal.dates import date_display

from ..conftest import actor_of
from ..factories import AgreementLineFactory, PartnerLinkFactory
from ..workers import celery_worker, wait_until
from .conftest import client_for

pytestmark = pytest.mark.django_db

HEADERS = [str(column.header) for column in TEMPLATE_COLUMNS]
# The template's headers as an English reader gets them, written out (not read from the code).
ENGLISH_HEADERS = [
    "First name",
    "Last name",
    "Sign-in email",
    "Notification email",
    "Level",
    "Downloads",
    "Reference",
    "Country/region",
    "Language",
    "Error message",
]
DANGEROUS = ['=HYPERLINK("http://evil.example","x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


def _person(n: int, **changes) -> list:
    """A template row, in the order of the template's columns."""
    row = {
        "first_name": "Léa",
        "last_name": f"Bernard {n}",
        "sign_in_email": f"person{n}@fabrikam.example",
        "notification_email": "",
        "level": "Visual Studio Enterprise",
        "downloads_enabled": "Yes",
        "reference": f"R-{n}",
        "country": "FR",
        "language": "fr",
    } | changes
    return [row[column.key] for column in COLUMNS]


def _xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Subscribers"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _stored_upload(agreement, user, content: bytes, organization=None, **fields) -> BulkImport:
    """An uploaded workbook as the upload view stores it, for the worker's task to read."""
    return BulkImport.objects.create(
        agreement=agreement,
        uploaded_by=user,
        organization=organization or agreement.customer_organization,
        kind=BulkImport.Kind.ADD,
        file_name="people.xlsx",
        content=content,
        **fields,
    )


def _upload(client, agreement, content: bytes, *, kind="add", name="subscribers.xlsx"):
    url = reverse(f"agreements:workbook_{kind}", args=[agreement.public_id])
    return client.post(url, {"workbook": SimpleUploadedFile(name, content)})


def _only_import() -> BulkImport:
    (bulk_import,) = BulkImport.objects.all()
    return bulk_import


def _errors_column(content: bytes) -> dict[int, str | None]:
    """Row number → the Error message cell of every row below the header."""
    sheet = load_workbook(io.BytesIO(content))["Subscribers"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Error message") + 1
    return {row: sheet.cell(row=row, column=column).value for row in range(2, sheet.max_row + 1)}


def _line(agreement, code="vs-enterprise") -> AgreementLine:
    return agreement.lines.get(level__code=code)


def _assign(agreement, user, organization, count: int, **details) -> list[Subscription]:
    level = SubscriptionLevel.objects.get(code="vs-enterprise")
    rows = [
        (
            level,
            SubscriberDetails(
                first_name="Ana",
                last_name=f"Martin {n}",
                sign_in_email=f"ana{n}@fabrikam.example",
                **details,
            ),
        )
        for n in range(count)
    ]
    return subscriptions_assign_bulk(
        actor=actor_of(user, organization), agreement=agreement, rows=rows
    )


# The template -----------------------------------------------------------------------------


def test_the_template_has_the_columns_an_error_message_column_and_drop_down_lists(
    agreement, customer_client
):
    response = customer_client.get(
        reverse("agreements:workbook_template", args=[agreement.public_id])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="subscribers-template-V482019301.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Subscribers"]
    assert [cell.value for cell in sheet[1]] == ENGLISH_HEADERS
    lists = {
        str(validation.sqref): validation.formula1
        for validation in sheet.data_validations.dataValidation
    }
    assert lists == {
        "E2:E10001": "Lists!$A$1:$A$1",
        "F2:F10001": '"Yes,No"',
        "I2:I10001": '"en,fr"',
    }
    assert [row[0].value for row in workbook["Lists"].iter_rows()] == ["Visual Studio Enterprise"]
    assert workbook["Lists"].sheet_state == "hidden"
    assert "Instructions" in workbook.sheetnames


def test_the_template_filled_in_is_accepted(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    template = customer_client.get(
        reverse("agreements:workbook_template", args=[agreement.public_id])
    ).content
    workbook = load_workbook(io.BytesIO(template))
    workbook["Subscribers"].append(_person(1))
    workbook.move_sheet("Subscribers", offset=1)  # the sheet is found by its name

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, _save(workbook))

    assert _only_import().status == BulkImport.Status.SUCCEEDED, _only_import().message
    assert Subscription.objects.get().reference == "R-1"


# Bulk add ---------------------------------------------------------------------------------


def test_a_good_workbook_adds_every_subscriber_and_emails_them(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    content = _xlsx(
        [
            _person(1),
            _person(2, level="vs-enterprise", downloads_enabled="No", country="be"),
            _person(3, notification_email="lea.perso@example.com", language="", country=""),
        ]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(customer_client, agreement, content)

    bulk_import = _only_import()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "agreements:workbook_import", args=[agreement.public_id, bulk_import.public_id]
    )
    assert bulk_import.status == BulkImport.Status.SUCCEEDED
    assert bulk_import.processed_rows == bulk_import.total_rows == 3
    second = Subscription.objects.get(sign_in_email="person2@fabrikam.example")
    assert not second.downloads_enabled and second.country == "BE"
    third = Subscription.objects.get(sign_in_email="person3@fabrikam.example")
    assert third.language == "fr" and third.country == "", "the agreement's language"
    assert _line(agreement).seats_assigned == 3
    history = customer_client.get(reverse("agreements:history", args=[agreement.public_id]))
    assert "3 subscribers · subscribers.xlsx" in history.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "lea.perso@example.com",
        "person1@fabrikam.example",
        "person2@fabrikam.example",
    ]
    page = customer_client.get(response["Location"]).content.decode()
    assert "3 subscribers were added; each is told by email." in page
    assert "every 1s" not in page, "no more polling"


def test_a_5000_row_workbook_with_one_bad_row_writes_nothing_and_comes_back_with_its_error(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    AgreementLine.objects.filter(agreement=agreement).update(seats_purchased=6000)
    rows = [_person(n) for n in range(5000)]
    rows[2500] = _person(2500, sign_in_email="not-an-email")

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(customer_client, agreement, _xlsx(rows))

    bulk_import = _only_import()
    assert response.status_code == 302
    assert bulk_import.status == BulkImport.Status.FAILED
    assert bulk_import.error_count == 1
    assert bulk_import.processed_rows == bulk_import.total_rows == 5000
    assert "1 row has an error, so nothing was saved." in bulk_import.message
    assert not Subscription.objects.exists()
    assert _line(agreement).seats_assigned == 0
    assert mail.outbox == []
    result = customer_client.get(
        reverse(
            "agreements:workbook_import_result", args=[agreement.public_id, bulk_import.public_id]
        )
    )
    assert result["Content-Disposition"] == 'attachment; filename="subscribers-errors.xlsx"'
    errors = _errors_column(result.content)
    assert errors.pop(2502) == "Sign-in email: Enter a valid email address."
    assert len(errors) == 4999
    assert set(errors.values()) == {None}


def test_every_problem_of_a_row_is_reported_with_its_column(agreement, owner, super_admin):
    content = _xlsx(
        [
            _person(1),
            _person(2, first_name="", country="France", downloads_enabled="Maybe"),
            _person(3, level="MSDN Platforms", language="de"),
        ]
    )
    bulk_import = _stored_upload(agreement, super_admin, content)

    bulk_import_run(bulk_import.pk)

    bulk_import.refresh_from_db()
    assert bulk_import.error_count == 2
    errors = _errors_column(bytes(bulk_import.result))
    assert errors[2] is None
    assert errors[3] == (
        "Downloads: Write Yes or No. "
        "First name: This field is required. "
        "Country/region: Ensure this value has at most 2 characters (it has 6)."
    )
    assert errors[4] == (
        "Level: “MSDN Platforms” is not a level of this agreement; use Visual Studio "
        "Enterprise. Language: Select a valid choice. de is not one of the available choices."
    )


def test_errors_are_listed_on_the_page_when_they_cannot_be_written_into_the_workbook(
    agreement, super_admin, customer_client, monkeypatch
):
    def cannot_rewrite(content, errors):
        raise KeyError("a part openpyxl cannot write")

    monkeypatch.setattr(services, "errors_workbook", cannot_rewrite)

    _upload(customer_client, agreement, _xlsx([_person(1), _person(2, sign_in_email="bad")]))

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.FAILED
    assert bulk_import.message == (
        "1 row has an error, so nothing was saved: "
        "row 3: Sign-in email: Enter a valid email address."
    )
    page = customer_client.get(
        reverse("agreements:workbook_import", args=[agreement.public_id, bulk_import.public_id])
    ).content.decode()
    assert "Download the workbook with its errors" not in page
    assert bulk_import.message in page
    result = reverse(
        "agreements:workbook_import_result", args=[agreement.public_id, bulk_import.public_id]
    )
    assert customer_client.get(result).status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"first_name": ""},
        {"sign_in_email": "not-an-email"},
        {"notification_email": "also@bad@"},
        {"reference": "x" * 101},
        {"country": "FRA"},
        {"language": "de"},
        {"downloads_enabled": False},
    ],
)
def test_a_row_is_checked_by_the_add_panel_form(agreement, changes):
    data = dict(zip([column.key for column in COLUMNS], _person(1), strict=True))
    data |= {"level": "vs-enterprise", "downloads_enabled": True} | changes

    panel = SubscriberForm(data, agreement=agreement)
    row = _RowForm(data, agreement=agreement, levels=_levels_by_name(agreement))

    assert row.errors == panel.errors
    if panel.is_valid():
        assert row.details() == panel.details()
        assert row.cleaned_data["level"] == panel.cleaned_data["level"]


def test_rows_beyond_the_seats_left_are_refused_one_by_one(
    agreement, super_admin, organization, customer_client, django_capture_on_commit_callbacks
):
    _assign(agreement, super_admin, organization, 17)  # 3 of 20 seats left
    content = _xlsx([_person(n) for n in range(5)])

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, content)

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.FAILED
    errors = _errors_column(bytes(bulk_import.result))
    assert [errors[row] for row in (2, 3, 4)] == [None, None, None]
    for row in (5, 6):
        assert errors[row].startswith(
            "This workbook asks for 5 Visual Studio Enterprise seats and 3"
        )
    assert Subscription.objects.assigned().count() == 17
    assert _line(agreement).seats_assigned == 17


def test_the_same_person_twice_is_refused_on_the_second_row(agreement, super_admin):
    content = _xlsx([_person(1), _person(2), _person(1, first_name="Again")])
    bulk_import = _stored_upload(agreement, super_admin, content)

    bulk_import_run(bulk_import.pk)

    bulk_import.refresh_from_db()
    errors = _errors_column(bytes(bulk_import.result))
    assert errors == {
        2: None,
        3: None,
        4: "person1@fabrikam.example already has the Visual Studio Enterprise subscription "
        "on this agreement.",
    }
    assert not Subscription.objects.exists()


# Bulk edit --------------------------------------------------------------------------------


def _export(client, agreement):
    response = client.get(reverse("agreements:subscribers_export_xlsx", args=[agreement.public_id]))
    return load_workbook(io.BytesIO(response.content))


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows_by_email(sheet) -> dict[str, int]:
    return {sheet.cell(row=row, column=4).value: row for row in range(2, sheet.max_row + 1)}


def test_bulk_edit_changes_the_rows_matched_by_guid_and_skips_the_others(
    agreement,
    super_admin,
    organization,
    customer_client,
    django_capture_on_commit_callbacks,
):
    AgreementLineFactory(
        agreement=agreement,
        level=SubscriptionLevel.objects.get(code="vs-professional"),
        seats_purchased=5,
    )
    _assign(agreement, super_admin, organization, 3)
    workbook = _export(customer_client, agreement)
    sheet = workbook["Subscribers"]
    rows = _rows_by_email(sheet)
    sheet.cell(row=rows["ana0@fabrikam.example"], column=8).value = "New reference"
    sheet.cell(row=rows["ana0@fabrikam.example"], column=7).value = "No"
    sheet.cell(row=rows["ana1@fabrikam.example"], column=6).value = "Visual Studio Professional"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, _save(workbook), kind="edit")

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.SUCCEEDED, bulk_import.message
    assert bulk_import.message == "2 subscribers were changed. 1 row had no change."
    ana0 = Subscription.objects.assigned().get(sign_in_email="ana0@fabrikam.example")
    assert ana0.reference == "New reference" and not ana0.downloads_enabled
    ana1 = Subscription.objects.assigned().get(sign_in_email="ana1@fabrikam.example")
    assert ana1.line.level.code == "vs-professional"
    assert _line(agreement).seats_assigned == 2
    assert _line(agreement, "vs-professional").seats_assigned == 1
    assert [message.to for message in mail.outbox] == [["ana1@fabrikam.example"]]


def test_an_unknown_guid_is_a_row_error_and_nothing_is_changed(
    agreement, super_admin, organization, customer_client, django_capture_on_commit_callbacks
):
    _assign(agreement, super_admin, organization, 2)
    workbook = _export(customer_client, agreement)
    sheet = workbook["Subscribers"]
    sheet.cell(row=2, column=8).value = "Changed"
    sheet.append([str(uuid.uuid4()), "Nobody", "Here", "nobody@fabrikam.example"])
    sheet.append(["not-a-guid", "Nobody", "Else", "else@fabrikam.example"])

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, _save(workbook), kind="edit")

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.FAILED
    errors = _errors_column(bytes(bulk_import.result))
    assert errors[2] is None and errors[3] is None
    assert errors[4] == (
        "Subscription GUID: no subscriber of this agreement has this GUID; the subscription "
        "may have been removed."
    )
    assert errors[5].startswith("Subscription GUID: This is not a subscription GUID")
    assert not Subscription.objects.filter(reference="Changed").exists()


def test_giving_a_seat_to_another_person_within_90_days_is_a_row_error(
    agreement, super_admin, organization, customer_client, django_capture_on_commit_callbacks
):
    subscription_assign(
        actor=actor_of(super_admin, organization),
        agreement=agreement,
        level=SubscriptionLevel.objects.get(code="vs-enterprise"),
        details=SubscriberDetails(first_name="Ana", last_name="Martin", sign_in_email="ana@x.fr"),
    )
    _assign(agreement, super_admin, organization, 1)
    workbook = _export(customer_client, agreement)
    sheet = workbook["Subscribers"]
    rows = _rows_by_email(sheet)
    sheet.cell(row=rows["ana@x.fr"], column=4).value = "someone.else@x.fr"
    sheet.cell(row=rows["ana0@fabrikam.example"], column=8).value = "Changed"

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, _save(workbook), kind="edit")

    bulk_import = _only_import()
    errors = _errors_column(bytes(bulk_import.result))
    assert errors[rows["ana@x.fr"]].startswith("This seat was assigned to ana@x.fr on ")
    assert "It can go to another person on" in errors[rows["ana@x.fr"]]
    assert errors[rows["ana0@fabrikam.example"]] is None
    assert not Subscription.objects.filter(sign_in_email="someone.else@x.fr").exists()
    assert not Subscription.objects.filter(reference="Changed").exists()


def test_an_exported_workbook_uploaded_unchanged_changes_nothing(
    agreement, super_admin, organization, customer_client, django_capture_on_commit_callbacks
):
    # Formula-like references come back without the apostrophe the export adds.
    formula_like = DANGEROUS[:4]
    subscriptions = _assign(agreement, super_admin, organization, len(formula_like))
    for subscription, reference in zip(subscriptions, formula_like, strict=True):
        subscription.reference = reference
        subscription.save()
    _opened(subscriptions[0])
    content = customer_client.get(
        reverse("agreements:subscribers_export_xlsx", args=[agreement.public_id])
    ).content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Subscribers"]
    header = [cell.value for cell in sheet[1]]
    assert header[-3:] == ["Activated", "Last seen", "Error message"]
    # The columns the export writes for reading only are not read back, whatever they say.
    sheet.cell(row=2, column=header.index("Activated") + 1).value = "=1+1"
    sheet.cell(row=3, column=header.index("Last seen") + 1).value = "yesterday"

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, _save(workbook), kind="edit")

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.SUCCEEDED, bulk_import.message
    assert bulk_import.message == "0 subscribers were changed. 4 rows had no change."


def _opened(subscription: Subscription) -> Subscription:
    """The subscriber opened the seat three days ago and was seen yesterday."""
    now = timezone.now()
    Subscription.objects.filter(pk=subscription.pk).update(
        activated_at=now - timedelta(days=3), last_seen_at=now - timedelta(days=1)
    )
    subscription.refresh_from_db()
    return subscription


@pytest.fixture
def opened(agreement, super_admin, organization) -> dict[str, Subscription | None]:
    """Two subscribers by email: one activated, one never opened."""
    first, never = _assign(agreement, super_admin, organization, 2)
    return {first.sign_in_email: _opened(first), never.sign_in_email: None}


def _expected_activity(seat: Subscription | None) -> list[str]:
    if seat is None:
        return ["Not yet", "Never"]
    with translation.override("en"):
        return [date_display(seat.activated_at), date_display(seat.last_seen_at)]


def test_the_csv_export_says_when_each_subscriber_activated_and_was_last_seen(
    agreement, customer_client, opened
):
    response = customer_client.get(
        reverse("agreements:subscribers_export_csv", args=[agreement.public_id])
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0][-2:] == ["Activated", "Last seen"]
    email = rows[0].index("Sign-in email")
    assert {row[email]: row[-2:] for row in rows[1:]} == {
        email: _expected_activity(activity) for email, activity in opened.items()
    }


def test_the_excel_export_says_when_each_subscriber_activated_and_was_last_seen(
    agreement, customer_client, opened
):
    response = customer_client.get(
        reverse("agreements:subscribers_export_xlsx", args=[agreement.public_id])
    )

    sheet = load_workbook(io.BytesIO(response.content))["Subscribers"]
    header = [cell.value for cell in sheet[1]]
    email, activated = header.index("Sign-in email"), header.index("Activated")
    assert header[activated : activated + 2] == ["Activated", "Last seen"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert {row[email]: row[activated : activated + 2] for row in values} == {
        email: _expected_activity(activity) for email, activity in opened.items()
    }


# Exports ----------------------------------------------------------------------------------


@pytest.fixture
def dangerous(agreement, super_admin, organization) -> list[Subscription]:
    """Subscribers whose references a spreadsheet would take for formulas."""
    subscriptions = _assign(agreement, super_admin, organization, len(DANGEROUS))
    for subscription, reference in zip(subscriptions, DANGEROUS, strict=True):
        subscription.reference = reference
        subscription.save()
    return subscriptions


def test_the_csv_export_cannot_run_a_formula(agreement, customer_client, dangerous):
    response = customer_client.get(
        reverse("agreements:subscribers_export_csv", args=[agreement.public_id])
    )

    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="subscribers-V482019301-{today}.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffSubscription GUID,First name,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    references = sorted(row[7] for row in rows[1:])
    assert references == sorted("'" + reference for reference in DANGEROUS)
    assert rows[1][0] == str(dangerous[0].guid)


def test_the_excel_export_writes_formula_like_text_as_quoted_strings(
    agreement, customer_client, dangerous
):
    response = customer_client.get(
        reverse("agreements:subscribers_export_xlsx", args=[agreement.public_id])
    )

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="subscribers-V482019301-{today}.xlsx"'
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(response.content))["Subscribers"]
    assert [cell.value for cell in sheet[1]][:2] == ["Subscription GUID", "First name"]
    references = [sheet.cell(row=row, column=8) for row in range(2, sheet.max_row + 1)]
    assert {cell.data_type for cell in references} == {"s"}
    # XML reads a bare carriage return back as a line feed.
    expected = sorted("'" + reference.replace("\r", "\n") for reference in DANGEROUS)
    assert sorted(cell.value for cell in references) == expected


# Limits and formulas in uploads -----------------------------------------------------------


def _refused(client, agreement, content, name="subscribers.xlsx") -> str:
    response = _upload(client, agreement, content, name=name)
    assert response.status_code == 200
    assert not BulkImport.objects.exists()
    return response.content.decode()


def test_a_file_over_the_size_limit_is_refused(agreement, customer_client):
    page = _refused(customer_client, agreement, b"0" * (MAX_FILE_BYTES + 1))

    assert "The file is larger than 5 MB. Split it into smaller workbooks." in page


def test_a_file_that_is_not_a_workbook_is_refused(agreement, customer_client):
    page = _refused(customer_client, agreement, b"first name,last name\n")

    assert "This file is not an Excel workbook that can be read." in page


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_parsed(
    agreement, customer_client
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(_xlsx([_person(1)]))) as template:
            for member in template.infolist():
                archive.writestr(member, template.read(member))
        archive.writestr("xl/worksheets/padding.xml", b" " * (MAX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < 200_000

    page = _refused(customer_client, agreement, buffer.getvalue())

    assert "This workbook unpacks to more than 50 MB" in page


@pytest.mark.parametrize("name", ["macros.xlsm", "old.xls", "subscribers.csv"])
def test_only_xlsx_files_are_accepted(agreement, customer_client, name):
    page = _refused(customer_client, agreement, _xlsx([_person(1)]), name=name)

    assert "Upload an Excel workbook (.xlsx)." in page


def test_a_workbook_with_macros_is_refused_whatever_its_name(agreement, customer_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(_xlsx([_person(1)]))) as template:
            for member in template.infolist():
                archive.writestr(member, template.read(member))
        archive.writestr("xl/vbaProject.bin", b"Attribute VB_Name")

    page = _refused(customer_client, agreement, buffer.getvalue())

    assert "This workbook contains macros, which are not accepted." in page


def test_a_workbook_with_too_many_rows_fails_with_the_limit(
    agreement, super_admin, customer_client, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)

    _upload(customer_client, agreement, _xlsx([_person(n) for n in range(4)]))

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.FAILED
    assert bulk_import.message == (
        "The workbook has more than 3 subscribers; at most 3 can be uploaded at once. "
        "Split it into smaller workbooks."
    )
    assert not bulk_import.result
    assert not Subscription.objects.exists()


def test_a_workbook_without_the_required_columns_says_which(agreement, customer_client):
    _upload(customer_client, agreement, _xlsx([["Léa", "x@y.fr"]], headers=["First name", "Email"]))

    assert _only_import().message == (
        "The workbook has no “Last name”, “Sign-in email” column; its header row must name it."
    )


def test_an_export_uploaded_to_add_subscribers_is_sent_to_bulk_edit(
    agreement, super_admin, organization, customer_client
):
    _assign(agreement, super_admin, organization, 1)
    export = customer_client.get(
        reverse("agreements:subscribers_export_xlsx", args=[agreement.public_id])
    ).content

    _upload(customer_client, agreement, export)

    assert _only_import().message.startswith(
        "This workbook has a “Subscription GUID” column: it is an export, for editing"
    )
    assert Subscription.objects.count() == 1


def _with_cached_formula(content: bytes, cell: str, formula: str, cached: str) -> bytes:
    """The workbook with `cell` holding `formula` and `cached` as the value last saved."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rf'<c r="{cell}"[^>]*>.*?</c>'.encode(),
                    f'<c r="{cell}" t="str"><f>{formula}</f><v>{cached}</v></c>'.encode(),
                    data,
                )
            archive.writestr(member, data)
    return buffer.getvalue()


def test_formulas_are_never_evaluated_only_their_saved_values_are_read(
    agreement, super_admin, customer_client, django_capture_on_commit_callbacks
):
    content = _xlsx([_person(1), _person(2, reference="=1+1")])
    content = _with_cached_formula(
        content, "G2", "HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)", "Saved"
    )

    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, content)

    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.FAILED
    errors = _errors_column(bytes(bulk_import.result))
    assert errors == {2: None, 3: "Reference: Formulas are not accepted; type the value itself."}

    fixed = _with_cached_formula(
        _xlsx([_person(1), _person(2)]), "G2", "HYPERLINK(&quot;x&quot;)", "Saved"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(customer_client, agreement, fixed)
    assert Subscription.objects.get(sign_in_email="person1@fabrikam.example").reference == "Saved"


# Progress ---------------------------------------------------------------------------------


def test_the_worker_reports_progress_until_every_row_is_processed(agreement, super_admin):
    AgreementLine.objects.filter(agreement=agreement).update(seats_purchased=600)
    bulk_import = _stored_upload(agreement, super_admin, _xlsx([_person(n) for n in range(600)]))

    bulk_import_run(bulk_import.pk)

    bulk_import.refresh_from_db()
    assert bulk_import.status == BulkImport.Status.SUCCEEDED
    assert bulk_import.processed_rows == bulk_import.total_rows == 600
    assert bulk_import.progress_percent == 100
    assert bulk_import.finished_at is not None
    assert Subscription.objects.assigned().count() == 600


def test_the_progress_fragment_polls_while_running_and_stops_when_done(
    agreement, super_admin, customer_client
):
    bulk_import = _stored_upload(
        agreement,
        super_admin,
        b"",
        status=BulkImport.Status.PROCESSING,
        total_rows=200,
        processed_rows=90,
    )
    url = reverse("agreements:workbook_import", args=[agreement.public_id, bulk_import.public_id])

    running = customer_client.get(url, headers={"HX-Request": "true"}).content.decode()
    page = customer_client.get(url).content.decode()
    bulk_import.status = BulkImport.Status.SUCCEEDED
    bulk_import.message = "200 subscribers were added; each is told by email."
    bulk_import.save()
    done = customer_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in running
    assert '<progress id="workbook-progress-bar" max="100" value="45">45%</progress>' in running
    assert "45% · 90 of 200 rows checked" in running
    assert f'hx-get="{url}" hx-trigger="every 1s"' in running
    assert '<div aria-live="polite">' in page and "<html" in page
    assert "every 1s" not in done, "no more polling"
    assert "200 subscribers were added" in done


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_reads_the_upload_from_the_database_and_saves_it(
    agreement, customer_client, broker_queue, monkeypatch
):
    monkeypatch.setattr(services, "IN_REQUEST_MAX_UNPACKED_BYTES", 0)
    response = _upload(customer_client, agreement, _xlsx([_person(n) for n in range(12)]))
    bulk_import = _only_import()
    assert response.status_code == 302
    assert bulk_import.status == BulkImport.Status.PENDING
    page = customer_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page

    with celery_worker(queue=broker_queue):
        done = wait_until(
            lambda: BulkImport.objects.get(pk=bulk_import.pk).status == BulkImport.Status.SUCCEEDED,
            timeout=60,
        )

    assert done, BulkImport.objects.get(pk=bulk_import.pk).message
    assert Subscription.objects.assigned().count() == 12


# Access -----------------------------------------------------------------------------------


def _every_workbook_request(client, agreement, bulk_import) -> list[int]:
    public_id, import_id = agreement.public_id, bulk_import.public_id
    gets = [
        reverse("agreements:workbook_template", args=[public_id]),
        reverse("agreements:workbook_add", args=[public_id]),
        reverse("agreements:workbook_edit", args=[public_id]),
        reverse("agreements:workbook_import", args=[public_id, import_id]),
        reverse("agreements:workbook_import_result", args=[public_id, import_id]),
        reverse("agreements:subscribers_export_csv", args=[public_id]),
        reverse("agreements:subscribers_export_xlsx", args=[public_id]),
    ]
    statuses = [client.get(url).status_code for url in gets]
    statuses.append(client.get(gets[3], headers={"HX-Request": "true"}).status_code)
    statuses.append(_upload(client, agreement, _xlsx([_person(1)])).status_code)
    return statuses


def test_a_partner_whose_link_was_removed_gets_404_on_every_page_and_file(
    agreement, partner, partner_user, partner_client, django_capture_on_commit_callbacks
):
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(partner_client, agreement, _xlsx([_person(1, sign_in_email="bad")]))
    bulk_import = _only_import()
    assert bulk_import.status == BulkImport.Status.FAILED
    before = _every_workbook_request(partner_client, agreement, bulk_import)
    BulkImport.objects.exclude(pk=bulk_import.pk).delete()

    link.status, link.removed_at = PartnerLink.Status.REMOVED, timezone.now()
    link.save()
    with django_capture_on_commit_callbacks(execute=True):
        after = _every_workbook_request(partner_client, agreement, bulk_import)

    assert before == [200] * 8 + [302]
    assert after == [404] * 9
    assert BulkImport.objects.count() == 1


def test_a_worker_does_nothing_for_a_partner_whose_link_was_removed_meanwhile(
    agreement, partner, partner_user
):
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    bulk_import = _stored_upload(agreement, partner_user, _xlsx([_person(1)]), organization=partner)
    link.status, link.removed_at = PartnerLink.Status.REMOVED, timezone.now()
    link.save()

    bulk_import_run(bulk_import.pk)

    bulk_import.refresh_from_db()
    assert bulk_import.status == BulkImport.Status.FAILED
    assert bulk_import.message == (
        "You no longer have access to this agreement, so nothing was saved."
    )
    assert not Subscription.objects.exists()


def test_another_customers_user_cannot_see_an_upload(agreement, super_admin, stranger):
    bulk_import = _stored_upload(agreement, super_admin, b"")

    statuses = _every_workbook_request(client_for(stranger), agreement, bulk_import)

    assert statuses == [404] * 9
