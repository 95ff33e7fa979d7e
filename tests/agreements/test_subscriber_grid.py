"""The Subscribers grid: filter as you type, sort by any column, pages, bulk resend and
delete; as many queries for 1,000 subscribers as for 10; nobody without access sees it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import (
    AgreementLine,
    PartnerLink,
    Subscription,
    SubscriptionLevel,
)
from portal.dates import date_display

from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
    UserFactory,
)
from .conftest import client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def super_admin(agreement, organization):
    """An English-speaking super admin, so that pages read as the assertions do."""
    user = UserFactory(email="it.lead@fabrikam.example", preferred_language="en")
    MembershipFactory(organization=organization, user=user)
    AgreementAdminFactory(agreement=agreement, user=user)
    return user


def _grid_url(agreement) -> str:
    return reverse("agreements:subscribers", args=[agreement.public_id])


def _actions_url(agreement) -> str:
    return reverse("agreements:subscriber_actions", args=[agreement.public_id])


def _line(agreement, code: str = "vs-enterprise") -> AgreementLine:
    line = agreement.lines.filter(level__code=code).first()
    if line is None:
        level = SubscriptionLevel.objects.get(code=code)
        line = AgreementLineFactory(agreement=agreement, level=level, seats_purchased=20)
    return line


def _assign(agreement, rows: list[dict], code: str = "vs-enterprise") -> list[Subscription]:
    """Assigned seats of the `code` line, made directly, with the line's counts kept true."""
    line = _line(agreement, code)
    now = timezone.now()
    seats = Subscription.objects.bulk_create(
        Subscription(
            agreement=agreement,
            line=line,
            **{"assigned_at": now, "last_assigned_at": now}
            | {"last_assignee_email": row["sign_in_email"]}
            | row,
        )
        for row in rows
    )
    AgreementLine.objects.filter(pk=line.pk).update(
        seats_purchased=F("seats_purchased") + len(rows),
        seats_assigned=F("seats_assigned") + len(rows),
    )
    return seats


def _people(count: int, start: int = 0) -> list[dict]:
    return [
        {
            "first_name": f"Person{n:04}",
            "last_name": "Numbered",
            "sign_in_email": f"person{n:04}@fabrikam.example",
        }
        for n in range(start, start + count)
    ]


@pytest.fixture
def trio(agreement) -> dict[str, Subscription]:
    """Three subscribers that differ in every column (case and accents included)."""
    now = timezone.now()
    ana = _assign(
        agreement,
        [
            {
                "first_name": "Ana",
                "last_name": "Martin",
                "sign_in_email": "ana.martin@fabrikam.example",
                "reference": "R&D",
                "downloads_enabled": True,
                "country": "FR",
                "language": "fr",
                "assigned_at": now - timedelta(days=2),
            }
        ],
    )[0]
    bruno = _assign(
        agreement,
        [
            {
                "first_name": "bruno",
                "last_name": "Durand",
                "sign_in_email": "Bruno.Durand@fabrikam.example",
                "notification_email": "bd@home.example",
                "reference": "finance",
                "downloads_enabled": False,
                "country": "US",
                "language": "en",
                "assigned_at": now - timedelta(days=1),
            }
        ],
        code="vs-professional",
    )[0]
    chloe = _assign(
        agreement,
        [
            {
                "first_name": "Chloé",
                "last_name": "Zola",
                "sign_in_email": "chloe.zola@fabrikam.example",
                "notification_email": "alerts@home.example",
                "reference": "Apollo",
                "downloads_enabled": True,
                "country": "DE",
                "language": "fr",
                "assigned_at": now - timedelta(days=3),
            }
        ],
        code="vs-test-professional",
    )[0]
    return {"Ana": ana, "bruno": bruno, "Chloé": chloe}


def _shown(response) -> list[str]:
    return [subscription.first_name for subscription in response.context["page"]]


# Filtering


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ana", ["Ana"]),
        ("ZOLA", ["Chloé"]),
        ("Ana Mar", ["Ana"]),
        ("mar ana", ["Ana"]),
        ("bruno.durand@", ["bruno"]),
        ("ALERTS@home", ["Chloé"]),
        ("r&d", ["Ana"]),
        ("apollo", ["Chloé"]),
        ("home.example", ["bruno", "Chloé"]),
        ("fabrikam", ["bruno", "Ana", "Chloé"]),
        ("  ana   martin ", ["Ana"]),
    ],
)
def test_the_filter_matches_names_emails_and_reference_whatever_the_case(
    trio, agreement, customer_client, q, expected
):
    response = customer_client.get(_grid_url(agreement), {"q": q})

    assert response.status_code == 200
    assert _shown(response) == expected


def test_a_filter_that_matches_nobody_says_so(trio, agreement, customer_client):
    response = customer_client.get(_grid_url(agreement), {"q": "nobody%"})

    assert _shown(response) == []
    assert "No subscriber matches “nobody%”." in response.content.decode()


def test_the_downloads_column_reads_in_the_admins_language(trio, agreement, super_admin):
    super_admin.preferred_language = "fr"
    super_admin.save()

    page = client_for(super_admin).get(_grid_url(agreement)).content.decode()

    assert '<span class="badge badge--active">Oui</span>' in page
    assert '<span class="badge">Non</span>' in page
    assert ">On<" not in page and ">Off<" not in page


def _opened(seat: Subscription, *, activated_at, last_seen_at) -> Subscription:
    Subscription.objects.filter(pk=seat.pk).update(
        activated_at=activated_at, last_seen_at=last_seen_at
    )
    seat.refresh_from_db()
    return seat


@pytest.fixture
def activity(trio) -> dict[str, Subscription]:
    """Chloé opened her seat before Ana did, but was seen since; bruno has not opened his
    (a previous holder's opening is cleared when the seat goes to someone else)."""
    now = timezone.now()
    return {
        "Ana": _opened(
            trio["Ana"],
            activated_at=now - timedelta(days=1),
            last_seen_at=now - timedelta(hours=5),
        ),
        "Chloé": _opened(
            trio["Chloé"],
            activated_at=now - timedelta(days=2, hours=12),
            last_seen_at=now - timedelta(minutes=30),
        ),
    }


def _row_of(html: str, first_name: str) -> str:
    start = html.index(f">{first_name}<")
    return html[start : html.index("</tr>", start)]


def test_the_grid_shows_when_each_subscriber_activated_and_was_last_seen(
    activity, agreement, customer_client
):
    html = customer_client.get(_grid_url(agreement)).content.decode()

    assert ">Activated</a>" in html and ">Last seen</a>" in html
    with translation.override("en"):
        for name, row in activity.items():
            cells = _row_of(html, name)
            assert f'<td class="grid-date">{date_display(row.activated_at)}</td>' in cells
            assert f'<td class="grid-date">{date_display(row.last_seen_at)}</td>' in cells
    # bruno has not opened his seat.
    bruno = _row_of(html, "bruno")
    assert '<td class="grid-date">Not yet</td><td class="grid-date">Never</td>' in bruno


def test_activation_and_last_seen_read_in_the_admins_language(activity, agreement, super_admin):
    super_admin.preferred_language = "fr"
    super_admin.save()

    html = client_for(super_admin).get(_grid_url(agreement)).content.decode()

    assert ">Activation</a>" in html and ">Dernière visite</a>" in html
    assert '<td class="grid-date">Pas encore</td><td class="grid-date">Jamais</td>' in html


def test_the_level_reads_in_the_admin_s_language_when_it_has_a_translation(
    trio, agreement, super_admin
):
    SubscriptionLevel.objects.filter(code="vs-enterprise").update(
        name_fr="Visual Studio Entreprise (fr)"
    )
    english = client_for(super_admin).get(_grid_url(agreement)).content.decode()
    super_admin.preferred_language = "fr"
    super_admin.save()

    french = client_for(super_admin).get(_grid_url(agreement)).content.decode()

    assert "Visual Studio Entreprise (fr)" in french
    assert "Visual Studio Entreprise (fr)" not in english and "Visual Studio Enterprise" in english


@pytest.mark.parametrize(
    ("sort", "ascending", "descending"),
    [
        # Not yet activated, never seen: the oldest, first going up and last going down.
        ("activated", ["bruno", "Chloé", "Ana"], ["Ana", "Chloé", "bruno"]),
        ("last_seen", ["bruno", "Ana", "Chloé"], ["Chloé", "Ana", "bruno"]),
    ],
)
def test_activation_and_last_seen_sort_both_ways(
    activity, agreement, customer_client, sort, ascending, descending
):
    up = customer_client.get(_grid_url(agreement), {"sort": sort}, **HTMX)
    down = customer_client.get(_grid_url(agreement), {"sort": f"-{sort}"}, **HTMX)

    assert _shown(up) == ascending
    assert _shown(down) == descending


def test_an_agreement_without_subscribers_says_so(agreement, customer_client):
    response = customer_client.get(_grid_url(agreement))

    assert "No subscriber yet." in response.content.decode()


def test_free_seats_and_other_agreements_are_not_listed(trio, agreement, customer_client):
    freed = trio["Ana"]
    Subscription.objects.filter(pk=freed.pk).update(assigned_at=None)
    _assign(AgreementFactory(), [{"first_name": "Other", "sign_in_email": "o@other.example"}])

    response = customer_client.get(_grid_url(agreement))

    assert _shown(response) == ["bruno", "Chloé"]


# Sorting


@pytest.mark.parametrize(
    ("sort", "ascending", "descending"),
    [
        ("first_name", ["Ana", "bruno", "Chloé"], ["Chloé", "bruno", "Ana"]),
        ("last_name", ["bruno", "Ana", "Chloé"], ["Chloé", "Ana", "bruno"]),
        ("sign_in_email", ["Ana", "bruno", "Chloé"], ["Chloé", "bruno", "Ana"]),
        ("notification_email", ["Ana", "Chloé", "bruno"], ["bruno", "Chloé", "Ana"]),
        ("level", ["Ana", "bruno", "Chloé"], ["Chloé", "bruno", "Ana"]),
        ("assigned", ["Chloé", "Ana", "bruno"], ["bruno", "Ana", "Chloé"]),
        # Nobody opened a seat yet: the tie-breakers decide.
        ("activated", ["bruno", "Ana", "Chloé"], ["bruno", "Ana", "Chloé"]),
        ("last_seen", ["bruno", "Ana", "Chloé"], ["bruno", "Ana", "Chloé"]),
        ("reference", ["Chloé", "bruno", "Ana"], ["Ana", "bruno", "Chloé"]),
        ("downloads", ["bruno", "Ana", "Chloé"], ["Ana", "Chloé", "bruno"]),
        ("country", ["Chloé", "Ana", "bruno"], ["bruno", "Ana", "Chloé"]),
        ("language", ["bruno", "Ana", "Chloé"], ["Ana", "Chloé", "bruno"]),
    ],
)
def test_every_column_sorts_both_ways(
    trio, agreement, customer_client, sort, ascending, descending
):
    up = customer_client.get(_grid_url(agreement), {"sort": sort}, **HTMX)
    down = customer_client.get(_grid_url(agreement), {"sort": f"-{sort}"}, **HTMX)

    assert _shown(up) == ascending
    assert _shown(down) == descending
    assert up.content.decode().count('aria-sort="ascending"') == 1
    assert down.content.decode().count('aria-sort="descending"') == 1
    # The sorted column's header sorts the other way; the others start ascending.
    assert f"?sort=-{sort}" in up.content.decode()
    first_click = "" if sort == "last_name" else f"?sort={sort}"
    assert f'href="{_grid_url(agreement)}{first_click}"' in down.content.decode()


def test_the_grid_is_sorted_by_last_name_unless_asked_otherwise(trio, agreement, customer_client):
    response = customer_client.get(_grid_url(agreement))

    assert _shown(response) == ["bruno", "Ana", "Chloé"]
    assert 'aria-sort="ascending"' in response.content.decode()


@pytest.mark.parametrize("sort", ["password", "-line__agreement__customer_name", "--level", ""])
def test_unknown_sorts_fall_back_to_the_default(trio, agreement, customer_client, sort):
    response = customer_client.get(_grid_url(agreement), {"sort": sort})

    assert response.status_code == 200
    assert _shown(response) == ["bruno", "Ana", "Chloé"]


# Pages


def test_pages_keep_the_filter_the_order_and_the_size(agreement, customer_client):
    _assign(agreement, _people(60))

    response = customer_client.get(
        _grid_url(agreement), {"q": "numbered", "sort": "-first_name", "size": "25", "page": "2"}
    )

    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, len(page)) == (2, 3, 25)
    assert page[0].first_name == "Person0034"
    html = response.content.decode()
    assert "?q=numbered&amp;sort=-first_name&amp;size=25" in html  # page 1 leaves page out
    assert "?q=numbered&amp;sort=-first_name&amp;page=3&amp;size=25" in html
    assert "Page 2 of 3" in html


@pytest.mark.parametrize(
    ("params", "number", "size"),
    [
        ({"size": "7"}, 1, 50),
        ({"size": "100000"}, 1, 50),
        ({"page": "x"}, 1, 50),
        ({"page": "-3"}, 1, 50),
        ({"page": "999", "size": "25"}, 3, 25),
        ({"size": "100"}, 1, 100),
    ],
)
def test_page_numbers_and_sizes_outside_the_choices_are_tamed(
    agreement, customer_client, params, number, size
):
    _assign(agreement, _people(60))

    response = customer_client.get(_grid_url(agreement), params)

    page = response.context["page"]
    assert (page.number, page.paginator.per_page) == (number, size)


def _seen(subscriptions: list[Subscription]) -> None:
    """Every other one activated and seen: the grid shows both kinds of rows."""
    opened = [subscription.pk for subscription in subscriptions[::2]]
    Subscription.objects.filter(pk__in=opened).update(
        activated_at=F("assigned_at"), last_seen_at=F("assigned_at")
    )


def test_the_query_count_does_not_grow_with_the_subscribers(agreement, customer_client):
    _seen(_assign(agreement, _people(10)))
    customer_client.get(_grid_url(agreement))  # warm caches that a first request fills

    with CaptureQueriesContext(connection) as with_10:
        response = customer_client.get(_grid_url(agreement))
    assert len(response.context["page"]) == 10
    with CaptureQueriesContext(connection) as filtered_10:
        response = customer_client.get(_grid_url(agreement), {"q": "person"}, **HTMX)
    assert response.context["page"].paginator.count == 10

    _seen(_assign(agreement, _people(990, start=10)))
    with CaptureQueriesContext(connection) as with_1000:
        response = customer_client.get(_grid_url(agreement))
    assert response.context["page"].paginator.count == 1000
    with CaptureQueriesContext(connection) as filtered_1000:
        response = customer_client.get(_grid_url(agreement), {"q": "person", "page": "7"}, **HTMX)
    assert response.context["page"].number == 7

    assert len(with_1000) == len(with_10)
    assert len(filtered_1000) == len(filtered_10)


# htmx


def test_htmx_requests_get_only_the_results(trio, agreement, customer_client):
    response = customer_client.get(_grid_url(agreement), {"q": "ana"}, **HTMX)

    html = response.content.decode()
    assert "<html" not in html and 'id="grid-search"' not in html
    assert "ana.martin@fabrikam.example" in html
    assert "HX-Request" in response["Vary"]


def test_the_page_has_the_search_box_the_toolbar_and_the_results(trio, agreement, customer_client):
    response = customer_client.get(_grid_url(agreement))

    html = response.content.decode()
    assert "<html" in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-push-url="true"' in html
    assert reverse("agreements:subscriber_add", args=[agreement.public_id]) in html
    assert 'id="subscribers-results"' in html
    assert "Select all on this page" in html
    assert "Select Ana Martin" in html
    edit = reverse("agreements:subscriber_edit", args=[agreement.public_id, trio["Ana"].guid])
    assert f'href="{edit}"' in html


def test_a_history_restore_gets_the_whole_page(trio, agreement, customer_client):
    response = customer_client.get(
        _grid_url(agreement), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in response.content.decode()


def test_all_matching_is_offered_only_when_there_is_more_than_the_page(agreement, customer_client):
    _assign(agreement, _people(30))

    one_page = customer_client.get(_grid_url(agreement))
    two_pages = customer_client.get(_grid_url(agreement), {"size": "25"})

    assert 'name="all_matching"' not in one_page.content.decode()
    assert "Select all 30 matching subscribers" in two_pages.content.decode()


# Actions


def _act(client, agreement, capture, data: dict, **extra):
    with capture(execute=True):
        return client.post(_actions_url(agreement), data, **extra)


def test_resend_emails_the_selected_subscribers_at_once(
    trio, agreement, customer_client, django_capture_on_commit_callbacks
):
    chosen = [trio["Ana"], trio["bruno"]]
    data = {"action": "resend", "selected": [str(s.guid) for s in chosen], "q": "", "page": "1"}

    response = _act(customer_client, agreement, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    assert response["Location"] == _grid_url(agreement)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana.martin@fabrikam.example",
        "bd@home.example",
    ]
    page = customer_client.get(response["Location"])
    assert "The subscription email was sent again to 2 subscribers." in page.content.decode()


def test_an_action_without_a_selection_says_so(
    trio, agreement, customer_client, django_capture_on_commit_callbacks
):
    data = {"action": "resend", "q": "zola", "sort": "-level"}

    response = _act(customer_client, agreement, django_capture_on_commit_callbacks, data)

    assert response["Location"] == _grid_url(agreement) + "?q=zola&sort=-level"
    assert mail.outbox == []
    page = customer_client.get(response["Location"])
    assert "Select at least one subscriber first." in page.content.decode()


def test_delete_asks_to_confirm_then_frees_the_seats(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    seats = _assign(agreement, _people(5))
    line = _line(agreement)
    assert line.seats_assigned == 5
    chosen = [str(seat.guid) for seat in seats[:2]]

    confirm = _act(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        {"action": "delete", "selected": chosen},
    )

    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Delete 2 subscriptions?" in html
    assert "Person0000 Numbered" in html and "Person0001 Numbered" in html
    assert "Person0002" not in html
    line.refresh_from_db()
    assert line.seats_assigned == 5

    done = _act(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        {"action": "delete", "selected": chosen, "confirm": "1"},
    )

    assert done.status_code == 302
    line.refresh_from_db()
    assert line.seats_assigned == 3
    assert Subscription.objects.assigned().filter(guid__in=chosen).count() == 0
    page = customer_client.get(done["Location"])
    assert "2 subscriptions were removed; their seats are free." in page.content.decode()


def test_the_confirmation_names_the_first_twenty(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    _assign(agreement, _people(25))

    confirm = _act(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        {"action": "delete", "all_matching": "1", "sort": "first_name"},
    )

    html = confirm.content.decode()
    assert "Delete 25 subscriptions?" in html
    assert "Person0019 Numbered" in html and "Person0020" not in html
    assert "And 5 more." in html
    assert 'name="all_matching" value="1"' in html


def test_all_matching_deletes_only_the_rows_the_filter_matches(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    _assign(agreement, _people(30))
    keep = _assign(
        agreement,
        [{"first_name": "Keep", "last_name": "Me", "sign_in_email": "k@fabrikam.example"}],
    )[0]
    data = {"action": "delete", "all_matching": "1", "q": "person000", "confirm": "1"}
    # A selected row outside the filter does not widen "all matching".
    data["selected"] = [str(keep.guid)]

    response = _act(customer_client, agreement, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    left = Subscription.objects.assigned().values_list("first_name", flat=True)
    assert sorted(left) == ["Keep", *[f"Person{n:04}" for n in range(10, 30)]]
    assert _line(agreement).seats_assigned == 21


def test_rows_picked_one_by_one_are_acted_on_even_if_they_left_the_filter(
    trio, agreement, customer_client, django_capture_on_commit_callbacks
):
    data = {"action": "resend", "selected": [str(trio["Ana"].guid)], "q": "zola"}

    _act(customer_client, agreement, django_capture_on_commit_callbacks, data)

    assert [message.to[0] for message in mail.outbox] == ["ana.martin@fabrikam.example"]


def test_all_matching_resend_follows_the_filter(
    trio, agreement, customer_client, django_capture_on_commit_callbacks
):
    data = {"action": "resend", "all_matching": "1", "q": "home.example"}

    _act(customer_client, agreement, django_capture_on_commit_callbacks, data)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alerts@home.example",
        "bd@home.example",
    ]


def test_another_agreements_subscribers_cannot_be_selected(
    trio, agreement, customer_client, django_capture_on_commit_callbacks
):
    other = _assign(AgreementFactory(), [{"first_name": "Other", "sign_in_email": "o@x.example"}])
    data = {"action": "delete", "selected": [str(other[0].guid), "not-a-guid"], "confirm": "1"}

    _act(customer_client, agreement, django_capture_on_commit_callbacks, data)

    assert Subscription.objects.get(pk=other[0].pk).is_assigned


def test_the_actions_answer_only_posts_with_a_known_action(trio, agreement, customer_client):
    assert customer_client.get(_actions_url(agreement)).status_code == 405
    assert customer_client.post(_actions_url(agreement), {"action": "drop"}).status_code == 400


# Who may see the grid


def _every_grid_request(client, agreement, guid) -> list[int]:
    selected = {"selected": [str(guid)]}
    return [
        client.get(_grid_url(agreement)).status_code,
        client.get(_grid_url(agreement), {"q": "a"}, **HTMX).status_code,
        client.post(_actions_url(agreement), {"action": "resend", **selected}).status_code,
        client.post(_actions_url(agreement), {"action": "delete", **selected}).status_code,
        client.post(
            _actions_url(agreement), {"action": "delete", "confirm": "1", **selected}
        ).status_code,
        client.post(
            _actions_url(agreement), {"action": "delete", "confirm": "1", "all_matching": "1"}
        ).status_code,
    ]


def test_a_linked_partner_uses_the_grid_until_the_link_is_removed(
    trio, agreement, partner, partner_client, django_capture_on_commit_callbacks
):
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    assert partner_client.get(_grid_url(agreement)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(
            _actions_url(agreement), {"action": "resend", "selected": [str(trio["Ana"].guid)]}
        )
    assert [message.to[0] for message in mail.outbox] == ["ana.martin@fabrikam.example"]

    link.status, link.removed_at = PartnerLink.Status.REMOVED, timezone.now()
    link.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        statuses = _every_grid_request(partner_client, agreement, trio["bruno"].guid)

    assert statuses == [404] * 6
    assert mail.outbox == []
    assert Subscription.objects.assigned().count() == 3


def test_another_customers_user_gets_404_everywhere(trio, agreement, stranger):
    statuses = _every_grid_request(client_for(stranger), agreement, trio["Ana"].guid)

    assert statuses == [404] * 6
    assert Subscription.objects.assigned().count() == 3


def test_anonymous_visitors_are_sent_to_sign_in(agreement):
    response = Client().get(_grid_url(agreement))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
