import io

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, AgreementInvitation, AgreementLine, SubscriptionLevel
from agreements.orders import csv_import
from agreements.orders.csv_import import OrderImportError, RowError, order_import
from notifications.models import Notification
from portal.audit.models import Action, AuditEntry

from ..conftest import actor_of
from ..factories import OrganizationFactory, PartnerOrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "partner,customer_name,customer_email,language,country,vs-enterprise,vs-professional"
IMPORT_URL = reverse("admin:agreements_agreement_import")
CHANGELIST_URL = reverse("admin:agreements_agreement_changelist")


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def _errors(content: bytes) -> list[tuple[int | None, str]]:
    with pytest.raises(OrderImportError) as raised:
        order_import(actor=actor_of(UserFactory(is_staff=True)), file=io.BytesIO(content))
    return [(error.line, error.message) for error in raised.value.errors]


def _nothing_imported() -> bool:
    return not (
        Agreement.objects.exists()
        or AgreementInvitation.objects.exists()
        or Notification.objects.exists()
        or AuditEntry.objects.filter(action=Action.AGREEMENT_ORDERED).exists()
    )


@pytest.fixture
def operator():
    return UserFactory(email="olga.operator@portal.example", is_staff=True)


@pytest.fixture
def contoso():
    return PartnerOrganizationFactory(name="Contoso Partners")


@pytest.fixture
def litware():
    return PartnerOrganizationFactory(name="Litware Resellers")


@pytest.fixture
def good_file(contoso, litware) -> bytes:
    return _csv(
        HEADER,
        f"{contoso.public_id},Fabrikam Ltd,chloe@fabrikam.example,fr,fr,10,25",
        "Litware Resellers,Northwind Traders,david@northwind.example,,US,,5",
    )


# The import itself ---------------------------------------------------------------------------


def test_a_good_file_places_every_order_and_invites_each_customer(
    operator, contoso, litware, good_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = order_import(actor=actor_of(operator), file=io.BytesIO(good_file))

    fabrikam, northwind = result.agreements
    assert [order.line for order in result.orders] == [2, 3]
    assert (fabrikam.partner_of_record, fabrikam.customer_name) == (contoso, "Fabrikam Ltd")
    assert (fabrikam.default_language, fabrikam.country) == ("fr", "FR")
    assert fabrikam.ordered_by == operator
    assert {(line.level.code, line.seats_purchased) for line in fabrikam.lines.all()} == {
        ("vs-enterprise", 10),
        ("vs-professional", 25),
    }
    assert northwind.partner_of_record == litware
    assert northwind.default_language == "en", "an empty language is English"
    assert [(line.level.code, line.seats_purchased) for line in northwind.lines.all()] == [
        ("vs-professional", 5)
    ]
    assert Agreement.objects.count() == 2
    assert AgreementLine.objects.count() == 3
    assert AuditEntry.objects.filter(
        action=Action.AGREEMENT_ORDERED, actor=operator, organization=contoso
    ).exists()

    assert sorted(message.to[0] for message in mail.outbox) == [
        "chloe@fabrikam.example",
        "david@northwind.example",
    ]
    for message in mail.outbox:
        assert "/agreements/invitations/" in message.body
    invitations = Notification.objects.filter(kind="agreement_invitation")
    assert {(n.recipient, n.language, n.status) for n in invitations} == {
        ("chloe@fabrikam.example", "fr", Notification.Status.SENT),
        ("david@northwind.example", "en", Notification.Status.SENT),
    }


def test_a_semicolon_file_saved_with_a_byte_order_mark_is_read(operator, contoso):
    content = "\ufeff" + "Partner;Customer_Name;customer_email;VS-Enterprise\n"
    content += "Contoso Partners;Société Générale;compta@sg.example;3\n"

    result = order_import(actor=actor_of(operator), file=io.BytesIO(content.encode()))

    (agreement,) = result.agreements
    assert agreement.customer_name == "Société Générale"
    assert agreement.lines.get().seats_purchased == 3


def test_blank_rows_are_skipped_and_lines_keep_their_spreadsheet_numbers(contoso):
    content = _csv(
        HEADER,
        "Contoso Partners,Fabrikam,a@fabrikam.example,,,1,",
        ",,,,,,",
        "",
        "Contoso Partners,Northwind,not-an-email,,,1,",
    )

    assert _errors(content) == [(5, "“not-an-email” is not a valid email address.")]


def test_a_dry_run_checks_the_file_and_writes_nothing(operator, good_file):
    result = order_import(actor=actor_of(operator), file=io.BytesIO(good_file), dry_run=True)

    assert len(result.orders) == 2
    assert result.agreements == []
    assert _nothing_imported()


def test_only_operators_import_orders(contoso, good_file):
    partner_user = UserFactory(is_staff=False)

    with pytest.raises(PermissionDenied):
        order_import(actor=actor_of(partner_user), file=io.BytesIO(good_file))

    assert _nothing_imported()


# Files with problems -------------------------------------------------------------------------


def test_a_file_with_bad_rows_reports_every_row_by_line_and_imports_nothing(contoso):
    customer = OrganizationFactory(name="Fabrikam Ltd")
    content = _csv(
        HEADER,
        "Contoso Partners,Good Row,good@customer.example,en,FR,1,",
        "Tailspin Toys,Unknown Partner,a@customer.example,,,1,",
        "Contoso Partners,Bad Email,not-an-email,,,1,",
        "Contoso Partners,Negative,b@customer.example,,,-3,2",
        "Contoso Partners,No Seats,c@customer.example,,,0,",
        f"{customer.public_id},Customer As Partner,d@customer.example,,,1,",
        "Contoso Partners,Bad Language,e@customer.example,de,,1,",
        "Contoso Partners,Bad Country,f@customer.example,,France,1,",
        "Contoso Partners,Too Many,g@customer.example,,,10001,",
        "Contoso Partners,Not A Number,h@customer.example,,,ten,",
        "Contoso Partners,Good Row Again,GOOD@customer.example,,,,4",
        ",,i@customer.example,,,1,",
    )

    assert _errors(content) == [
        (3, "No organization is named “Tailspin Toys”."),
        (4, "“not-an-email” is not a valid email address."),
        (5, "vs-enterprise: seats cannot be negative."),
        (6, "Order at least one subscription: every seats column is empty or 0."),
        (7, "Fabrikam Ltd is not a partner organization."),
        (8, "Unknown language “de”: use en or fr."),
        (9, "The country must be a two-letter code such as FR or US, not “France”."),
        (10, "vs-enterprise: at most 10,000 seats per order."),
        (11, "vs-enterprise: “ten” is not a whole number of seats."),
        (
            12,
            "Same partner and customer email as line 2: put all of a customer's subscriptions "
            "on one row.",
        ),
        (13, "The partner is missing: give its id or its exact name."),
        (13, "The customer name is missing."),
    ]
    assert _nothing_imported()
    assert mail.outbox == []


def test_an_unknown_level_column_is_named_and_nothing_is_read_below_it(contoso):
    content = _csv(
        "partner,customer_name,customer_email,vs-enterprise,vs-ultimate",
        "Contoso Partners,Fabrikam,a@fabrikam.example,1,2",
    )

    ((line, message),) = _errors(content)

    assert line == 1
    assert message.startswith("Unknown columns: “vs-ultimate”. The columns are: “partner”,")
    assert "“vs-professional”" in message
    assert _nothing_imported()


def test_missing_and_repeated_columns_are_named():
    content = _csv("partner,customer_name,vs-enterprise,VS-Enterprise", "x,y,1,1")

    assert _errors(content) == [
        (1, "These columns appear more than once: “VS-Enterprise”."),
        (1, "Missing columns: “customer_email”."),
    ]


def test_a_file_without_any_seats_column_says_which_to_add():
    ((line, message),) = _errors(_csv("partner,customer_name,customer_email", "x,y,z@z.example"))

    assert line == 1
    assert message.startswith("Add a seats column for at least one subscription level:")


def test_a_value_outside_the_named_columns_is_an_error(contoso):
    content = _csv(
        "partner,customer_name,customer_email,vs-enterprise,",
        "Contoso Partners,Fabrikam,a@fabrikam.example,1,",
        "Contoso Partners,Northwind,b@northwind.example,1,7",
    )

    assert _errors(content) == [(3, "A value is in a column with no name (column 5).")]


def test_a_partner_name_shared_by_two_partners_asks_for_the_id():
    PartnerOrganizationFactory(name="Contoso Partners")
    PartnerOrganizationFactory(name="Contoso Partners")

    assert _errors(_csv(HEADER, "Contoso Partners,Fabrikam,a@fabrikam.example,,,1,")) == [
        (
            2,
            "Several partner organizations are named “Contoso Partners”: give the partner's id "
            "instead.",
        )
    ]


def test_a_file_that_is_not_utf8_is_refused_with_its_line(contoso):
    content = _csv(
        HEADER,
        "Contoso Partners,Fabrikam,a@fabrikam.example,,,1,",
        "Contoso Partners,Société Générale,b@sg.example,,,1,",
        encoding="latin-1",
    )

    assert _errors(content) == [
        (
            3,
            "The file is not UTF-8 text. Save it as “CSV UTF-8” from your spreadsheet and "
            "import it again.",
        )
    ]


def test_empty_files_and_files_without_orders_are_refused():
    assert _errors(b"") == [(1, "The file is empty: its first line must name the columns.")]
    assert _errors(_csv(HEADER, "", ",,,")) == [(None, "The file has no orders below its header.")]


def test_a_file_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_FILE_BYTES", 1024 * 1024)

    assert _errors(_csv(HEADER, "x" * 1024 * 1024)) == [
        (None, "The file is larger than 1 MB. Split it into smaller files.")
    ]


def test_a_file_with_too_many_orders_is_refused(monkeypatch, contoso):
    monkeypatch.setattr(csv_import, "MAX_ORDERS", 2)
    row = "Contoso Partners,Fabrikam,{n}@fabrikam.example,,,1,"

    assert _errors(_csv(HEADER, *(row.format(n=n) for n in range(3)))) == [
        (
            None,
            "The file has 3 orders; at most 2 can be imported at once. Split it into smaller "
            "files.",
        )
    ]


def test_a_failure_while_placing_the_orders_leaves_nothing(
    operator, good_file, monkeypatch, django_capture_on_commit_callbacks
):
    real_order_place = csv_import.order_place
    placed = []

    def order_place_failing_the_second_time(**kwargs):
        if placed:
            raise ValidationError("The licensing system refused this order.")
        placed.append(real_order_place(**kwargs))
        return placed[-1]

    monkeypatch.setattr(csv_import, "order_place", order_place_failing_the_second_time)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(OrderImportError) as raised,
    ):
        order_import(actor=actor_of(operator), file=io.BytesIO(good_file))

    assert raised.value.errors == [RowError(3, "The licensing system refused this order.")]
    assert len(placed) == 1, "the first order was placed, then rolled back"
    assert _nothing_imported()
    assert mail.outbox == []


# The management command ----------------------------------------------------------------------


def _command(path, *args, **options) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_orders", str(path), *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def test_the_command_places_the_orders_and_prints_their_numbers(
    operator, good_file, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "orders.csv"
    path.write_bytes(good_file)

    with django_capture_on_commit_callbacks(execute=True):
        stdout, _stderr = _command(path, operator="Olga.Operator@portal.example")

    assert "2 orders placed" in stdout
    for agreement in Agreement.objects.all():
        assert agreement.authorization_number in stdout
        assert agreement.ordered_by == operator
    assert len(mail.outbox) == 2


def test_the_command_prints_each_error_and_fails_without_importing(operator, contoso, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(
        _csv(
            HEADER,
            "Contoso Partners,Fabrikam,a@fabrikam.example,,,1,",
            "Tailspin Toys,Northwind,b@northwind.example,,,1,",
            "Contoso Partners,Adatum,not-an-email,,,1,",
        )
    )
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="2 errors: nothing was imported"):
        call_command("import_orders", str(path), operator=operator.email, stderr=stderr)

    assert stderr.getvalue().splitlines() == [
        "Line 3: No organization is named “Tailspin Toys”.",
        "Line 4: “not-an-email” is not a valid email address.",
    ]
    assert _nothing_imported()


def test_the_command_dry_run_writes_nothing(operator, good_file, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(good_file)

    stdout, _stderr = _command(path, "--dry-run", operator=operator.email)

    assert "The file is valid: 2 orders would be placed" in stdout
    assert _nothing_imported()


def test_the_command_refuses_an_operator_who_is_not_staff(good_file, tmp_path):
    partner_user = UserFactory(email="ana@contoso.example")
    path = tmp_path / "orders.csv"
    path.write_bytes(good_file)

    with pytest.raises(CommandError, match="not an active staff user"):
        _command(path, operator=partner_user.email)
    with pytest.raises(CommandError, match="not an active staff user"):
        _command(path, operator="nobody@portal.example")

    assert _nothing_imported()


def test_the_command_says_when_the_file_cannot_be_read(operator, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _command(tmp_path / "missing.csv", operator=operator.email)


# The admin page ------------------------------------------------------------------------------


@pytest.fixture
def operator_client(operator) -> Client:
    operator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="agreements", codename__in=["add_agreement", "view_agreement"]
        )
    )
    client = Client()
    client.force_login(operator)
    return client


def _upload(client: Client, content: bytes, **data):
    return client.post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("orders.csv", content, content_type="text/csv"), **data},
    )


def test_the_changelist_links_to_the_import_page(operator_client):
    page = operator_client.get(CHANGELIST_URL).content.decode()

    assert f'href="{IMPORT_URL}"' in page
    assert "Import orders from CSV" in page


def test_an_operator_uploads_a_good_file_and_every_order_is_placed(
    operator_client, good_file, django_capture_on_commit_callbacks
):
    assert operator_client.get(IMPORT_URL).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(operator_client, good_file)

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    assert Agreement.objects.count() == 2
    assert len(mail.outbox) == 2
    page = operator_client.get(CHANGELIST_URL).content.decode()
    assert "2 orders placed; each customer is invited by email." in page


def test_an_operator_uploading_a_bad_file_sees_each_error_and_nothing_is_imported(
    operator_client, contoso
):
    content = _csv(
        HEADER,
        "Contoso Partners,Fabrikam,a@fabrikam.example,,,1,",
        "Contoso Partners,Northwind,b@northwind.example,,,-1,",
    )

    response = _upload(operator_client, content)

    assert response.status_code == 200
    page = response.content.decode()
    assert "The file has 1 error. Nothing was imported" in page
    assert "<td>3</td><td>vs-enterprise: seats cannot be negative.</td>" in page
    assert _nothing_imported()


def test_an_operator_can_check_a_file_without_importing_it(operator_client, good_file):
    response = _upload(operator_client, good_file, dry_run="on")

    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL
    page = operator_client.get(IMPORT_URL).content.decode()
    assert "The file is valid: 2 orders would be placed." in page
    assert _nothing_imported()


def test_staff_without_the_add_permission_cannot_import(good_file):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="agreements", codename="view_agreement")
    )
    client = Client()
    client.force_login(viewer)

    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, good_file).status_code == 403
    assert IMPORT_URL not in client.get(CHANGELIST_URL).content.decode()
    assert _nothing_imported()


def test_a_user_who_is_not_staff_is_sent_to_the_admin_sign_in(good_file):
    client = Client()
    client.force_login(UserFactory(is_staff=False))

    response = _upload(client, good_file)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert _nothing_imported()


def test_a_level_added_by_an_operator_is_a_column_at_once(operator, contoso):
    ultimate = SubscriptionLevel.objects.create(code="vs-ultimate", name="Visual Studio Ultimate")
    content = _csv(
        "partner,customer_name,customer_email,vs-ultimate",
        "Contoso Partners,Fabrikam,a@fabrikam.example,7",
    )

    result = order_import(actor=actor_of(operator), file=io.BytesIO(content))

    line = result.agreements[0].lines.get()
    assert (line.level, line.seats_purchased) == (ultimate, 7)
