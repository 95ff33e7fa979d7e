"""The command center: what a partner and a customer's admins see, its filters, sort,
search, tags and exports, and the search for a person across customers."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import Subscription, SubscriptionLevel, UsageSnapshot
from command_center.models import AgreementTag, Tag
from command_center.services import agreement_tags_set, tag_create
from portal.tenancy.models import Role

from ..conftest import actor_of, client_for
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
)

pytestmark = pytest.mark.django_db

INDEX = "/command-center/"


@pytest.fixture
def partner():
    return PartnerOrganizationFactory(name="Contoso Partners")


@pytest.fixture
def partner_user(partner):
    return MembershipFactory(organization=partner, role=Role.MEMBER).user


def _linked(partner, name, *, purchased=10, assigned=0, ends_in=400, **link):
    agreement = AgreementFactory(
        customer_name=name, ends_on=timezone.localdate() + timedelta(days=ends_in)
    )
    AgreementLineFactory(agreement=agreement, seats_purchased=purchased, seats_assigned=assigned)
    PartnerLinkFactory(agreement=agreement, partner_organization=partner, **link)
    return agreement


def _names(response) -> list[str]:
    return [agreement.customer_name for agreement in response.context["page"]]


def test_a_partner_sees_exactly_its_linked_agreements(partner, partner_user):
    _linked(partner, "Fabrikam")
    _linked(partner, "Northwind", status="removed", removed_at=timezone.now())
    AgreementFactory(customer_name="Tailspin")
    _linked(PartnerOrganizationFactory(), "Litware")

    response = client_for(partner_user).get(INDEX)

    assert response.status_code == 200
    assert _names(response) == ["Fabrikam"]
    assert "Northwind" not in response.content.decode()


def test_a_customer_admin_sees_their_own_agreements_with_their_role(owner, organization):
    own = AgreementFactory(customer_organization=organization, customer_name="Fabrikam North")
    AgreementLineFactory(agreement=own)
    AgreementAdminFactory(agreement=own, user=owner)
    AgreementFactory(customer_organization=organization, customer_name="Fabrikam Unadministered")

    response = client_for(owner).get(INDEX)

    assert _names(response) == ["Fabrikam North"]
    assert "Super admin" in response.content.decode()


def test_each_row_s_access_is_the_access_rule_s(owner, organization):
    """Also where the rule has to choose: an organization that is both the customer and a
    partner linked to its own agreement, whose admin also administers another customer's
    agreement linked to it as a partner (a role counts on its own agreement only)."""
    from agreements.access import agreement_access
    from command_center.selectors import Filters, command_center_rows

    organization.is_partner = True
    organization.save()
    own = AgreementFactory(customer_organization=organization, customer_name="Own")
    AgreementAdminFactory(agreement=own, user=owner, role="reader")
    PartnerLinkFactory(agreement=own, partner_organization=organization, scope="manage")
    elsewhere = AgreementFactory(customer_name="Elsewhere")
    AgreementAdminFactory(agreement=elsewhere, user=owner, role="super_admin")
    PartnerLinkFactory(agreement=elsewhere, partner_organization=organization, scope="read_only")
    actor = actor_of(owner, organization)

    rows = command_center_rows(actor=actor, filters=Filters(), today=timezone.localdate())

    by_name = {row.customer_name: row.scope_label for row in rows}
    assert by_name == {"Own": "Reader", "Elsewhere": "Partner, read only"}
    assert by_name["Own"] == agreement_access(actor=actor, agreement=own).label


def test_the_table_shows_per_level_numbers_the_peak_of_the_year_and_the_scope(
    partner, partner_user
):
    agreement = _linked(partner, "Fabrikam", purchased=20, assigned=5, scope="read_only")
    line = agreement.lines.get()
    today = timezone.localdate()
    UsageSnapshot.objects.create(line=line, day=today - timedelta(days=30), max_assigned=17)
    # Older than a year: not this year's peak.
    UsageSnapshot.objects.create(line=line, day=today - timedelta(days=400), max_assigned=19)

    response = client_for(partner_user).get(INDEX)

    [row] = response.context["page"]
    [level] = row.lines
    assert (level.seats_purchased, level.seats_assigned, level.seats_available) == (20, 5, 15)
    assert level.year_peak == 17
    assert (row.free, row.free_percent) == (15, 75)
    assert row.scope_label == "Partner, read only"
    assert row.days_left == 400


def test_a_row_s_free_seats_and_percent_are_those_the_filter_and_the_order_read(
    partner, partner_user
):
    """The row adds its lines up; the filter and the sort work the same numbers out in
    SQL. Both, over agreements of one and several levels, none purchased included."""
    from agreements.models import Agreement
    from command_center.selectors import (
        Filters,
        _agreement_numbers,
        _with_free,
        command_center_rows,
    )

    seats = [(0, 0), (1, 0), (3, 1), (7, 7), (9, 2), (100, 33), (101, 1)]
    for index, (purchased, assigned) in enumerate(seats):
        agreement = _linked(partner, f"A{index}", purchased=purchased, assigned=assigned)
        if index % 2:  # a second level
            AgreementLineFactory(
                agreement=agreement,
                level=SubscriptionLevel.objects.get(code="vs-professional"),
                seats_purchased=5,
                seats_assigned=index % 5,
            )
    actor = actor_of(partner_user, partner)
    ids = Agreement.objects.visible_to(actor).values_list("pk", flat=True)
    in_sql = {
        row["pk"]: (row["free"], row["free_percent"])
        for row in _with_free(
            Agreement.objects.filter(pk__in=ids).annotate(
                **_agreement_numbers(("purchased", "assigned"))
            )
        ).values("pk", "free", "free_percent")
    }

    rows = list(command_center_rows(actor=actor, filters=Filters(), today=timezone.localdate()))

    assert len(rows) == len(seats)
    assert {row.pk: (row.free, row.free_percent) for row in rows} == in_sql


def test_levels_read_in_the_reader_s_language_when_they_have_a_translation(partner, partner_user):
    _linked(partner, "Fabrikam")
    SubscriptionLevel.objects.filter(code="vs-enterprise").update(
        name_fr="Visual Studio Entreprise (fr)"
    )
    client = client_for(partner_user)

    english = client.get(INDEX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    partner_user.preferred_language = "fr"
    partner_user.save()
    french = client_for(partner_user).get(INDEX).content.decode()

    assert "Visual Studio Entreprise (fr)" in french
    assert "Visual Studio Entreprise (fr)" not in english


def test_filters_by_ending_within_n_days_and_free_seats_above_x_percent(partner, partner_user):
    _linked(partner, "Ends soon, all used", purchased=10, assigned=10, ends_in=20)
    _linked(partner, "Ends soon, mostly free", purchased=10, assigned=2, ends_in=25)
    _linked(partner, "Ends late, mostly free", purchased=10, assigned=1, ends_in=300)
    _linked(partner, "Already ended", purchased=10, assigned=0, ends_in=-3)
    client = client_for(partner_user)

    assert _names(client.get(INDEX, {"ending": 30})) == [
        "Ends soon, all used",
        "Ends soon, mostly free",
    ]
    assert _names(client.get(INDEX, {"free": 50})) == [
        "Already ended",
        "Ends late, mostly free",
        "Ends soon, mostly free",
    ]
    assert _names(client.get(INDEX, {"ending": 30, "free": 50})) == ["Ends soon, mostly free"]
    # A value that does not parse filters nothing rather than failing.
    assert len(_names(client.get(INDEX, {"ending": "soon"}))) == 4


def test_filters_by_tag_and_searches(partner, partner_user):
    fabrikam = _linked(partner, "Fabrikam")
    _linked(partner, "Northwind")
    actor = actor_of(partner_user, partner)
    enterprise = tag_create(actor=actor, name="Enterprise")
    agreement_tags_set(actor=actor, agreement=fabrikam, tags=[enterprise])
    client = client_for(partner_user)

    assert _names(client.get(INDEX, {"tag": enterprise.public_id})) == ["Fabrikam"]
    assert _names(client.get(INDEX, {"q": "north"})) == ["Northwind"]
    assert _names(client.get(INDEX, {"q": fabrikam.authorization_number})) == ["Fabrikam"]


def test_sorts_by_end_date_both_ways(partner, partner_user):
    _linked(partner, "Late", ends_in=300)
    _linked(partner, "Soon", ends_in=10)
    client = client_for(partner_user)

    assert _names(client.get(INDEX, {"sort": "ends"})) == ["Soon", "Late"]
    assert _names(client.get(INDEX, {"sort": "-ends"})) == ["Late", "Soon"]
    response = client.get(INDEX, {"sort": "ends"})
    assert response.context["sort_links"]["ends"].aria_sort == "ascending"
    assert "sort=-ends" in response.context["sort_links"]["ends"].url


def test_htmx_gets_only_the_table(partner, partner_user):
    _linked(partner, "Fabrikam")

    response = client_for(partner_user).get(INDEX, {"q": "fab"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "Fabrikam" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_another_organization_s_tag_filters_nothing_and_is_not_offered(partner, partner_user):
    _linked(partner, "Fabrikam")
    other = PartnerOrganizationFactory()
    foreign = Tag.objects.create(organization=other, name="Secret label")

    response = client_for(partner_user).get(INDEX, {"tag": foreign.public_id})

    assert _names(response) == ["Fabrikam"]
    assert "Secret label" not in response.content.decode()


def test_tags_are_set_from_their_page_and_a_new_one_is_created(partner, partner_user):
    agreement = _linked(partner, "Fabrikam")
    client = client_for(partner_user)
    url = reverse("command_center:agreement_tags", args=[agreement.public_id])

    response = client.post(url, {"new_tag": "  Renewal   2027 "})

    assert response.status_code == 302
    tag = Tag.objects.get(organization=partner)
    assert tag.name == "Renewal 2027"
    assert list(AgreementTag.objects.values_list("agreement", flat=True)) == [agreement.pk]
    # Unticking every tag takes them off; the tag itself stays for other agreements.
    client.post(url, {})
    assert not AgreementTag.objects.exists()
    assert Tag.objects.filter(organization=partner).count() == 1


def test_a_tag_of_the_same_name_in_another_case_is_the_same_tag(partner, partner_user):
    actor = actor_of(partner_user, partner)

    assert tag_create(actor=actor, name="VIP") == tag_create(actor=actor, name="vip")


def test_the_tags_page_of_an_agreement_the_partner_does_not_manage_is_a_404(partner, partner_user):
    foreign = AgreementFactory()
    url = reverse("command_center:agreement_tags", args=[foreign.public_id])

    assert client_for(partner_user).get(url).status_code == 404
    assert client_for(partner_user).post(url, {"new_tag": "x"}).status_code == 404
    assert not Tag.objects.exists()


def test_the_csv_export_has_every_filtered_row_one_line_per_level(partner, partner_user):
    fabrikam = _linked(partner, "Fabrikam", purchased=10, assigned=4, ends_in=20)
    AgreementLineFactory(
        agreement=fabrikam,
        level=fabrikam.lines.get().level.__class__.objects.get(code="vs-professional"),
        seats_purchased=3,
    )
    _linked(partner, "=HYPERLINK(evil)", ends_in=300)
    actor = actor_of(partner_user, partner)
    agreement_tags_set(actor=actor, agreement=fabrikam, tags=[tag_create(actor=actor, name="A")])

    response = client_for(partner_user).get(reverse("command_center:export_csv"), {"ending": 30})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Customer", "Authorization number", "License number"]
    assert [(row[0], row[6], row[7], row[8], row[9], row[-1]) for row in rows[1:]] == [
        ("Fabrikam", "Visual Studio Enterprise", "10", "4", "6", "A"),
        ("Fabrikam", "Visual Studio Professional", "3", "0", "3", "A"),
    ]


def test_the_excel_export_neutralises_formulas(partner, partner_user):
    _linked(partner, "=HYPERLINK(evil)", purchased=5, assigned=2)

    response = client_for(partner_user).get(reverse("command_center:export_xlsx"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Customer"
    assert rows[1][0] == "'=HYPERLINK(evil)"
    assert rows[1][7:10] == (5, 2, 3)


def test_a_person_is_found_across_customers_with_their_customer_and_agreement(
    partner, partner_user
):
    fabrikam = _linked(partner, "Fabrikam")
    northwind = _linked(partner, "Northwind")
    foreign = AgreementFactory(customer_name="Foreign Co")
    AgreementLineFactory(agreement=foreign)
    for agreement, email in (
        (fabrikam, "ada.lovelace@fabrikam.example"),
        (northwind, "ada.byron@northwind.example"),
        (foreign, "ada.hidden@foreign.example"),
    ):
        Subscription.objects.create(
            agreement=agreement,
            line=agreement.lines.get(),
            first_name="Ada",
            last_name=email.split("@")[0].split(".")[1].title(),
            sign_in_email=email,
            reference="REF-" + agreement.customer_name,
        )

    response = client_for(partner_user).get(reverse("command_center:people"), {"q": "ada"})

    found = [(s.sign_in_email, s.agreement.customer_name) for s in response.context["people"]]
    assert found == [
        ("ada.byron@northwind.example", "Northwind"),
        ("ada.lovelace@fabrikam.example", "Fabrikam"),
    ]
    body = response.content.decode()
    assert fabrikam.authorization_number in body
    assert "ada.hidden@foreign.example" not in body
    by_reference = client_for(partner_user).get(
        reverse("command_center:people"), {"q": "REF-Northwind"}
    )
    assert [s.agreement for s in by_reference.context["people"]] == [northwind]


def test_the_command_center_needs_an_organization():
    client = Client()
    assert client.get(INDEX).status_code == 302
    client.force_login(MembershipFactory(organization=OrganizationFactory()).user)
    assert client.get(INDEX).status_code == 200
