"""/api/settings/: read by staff, changed with settings.change_integrationsettings, checked as the
admin checks them, every change in the integration log with who made it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from integration_log.models import LogEntry
from settings.models import IntegrationSettings

pytestmark = pytest.mark.django_db

URL = "/api/settings/"


@pytest.fixture
def admin_user(make_user):
    return make_user("ops-lead", "settings.change_integrationsettings")


def settings_log() -> list[LogEntry]:
    return list(LogEntry.objects.filter(operation="settings_change").order_by("id"))


def test_staff_read_every_setting_a_person_may_change_and_nothing_else(call, staff):
    IntegrationSettings.objects.filter(pk=1).update(
        salesforce_edition_detected="Enterprise Edition"
    )

    settings = call(staff, "GET", URL).json()

    assert settings["create_only"] is False
    assert settings["won_stages"] == "Closed Won"
    assert settings["failure_notice_group"] is None
    # What SFNS keeps for itself (editable=False) and the row's id are not shown.
    for hidden in (
        "id",
        "salesforce_edition_detected",
        "salesforce_edition_detected_at",
        "failure_notice_sent_at",
        "updated_at",
    ):
        assert hidden not in settings


def test_a_change_is_saved_answered_and_logged_with_who_made_it(call, admin_user):
    response = call(
        admin_user,
        "PATCH",
        URL,
        {"create_only": True, "won_stages": "Won, Signed", "match_by_phone": False},
    )

    assert response.status_code == 200
    assert response.json()["create_only"] is True
    conf = IntegrationSettings.load()
    assert (conf.create_only, conf.won_stages) == (True, "Won, Signed")
    [entry] = settings_log()
    assert (entry.direction, entry.outcome) == ("in_sfns", "success")
    # match_by_phone was off already: not a change.
    assert entry.diff == {"create_only": [False, True], "won_stages": ["Closed Won", "Won, Signed"]}
    assert entry.request == {"user": "ops-lead", "user_id": admin_user.pk, "via": "api"}
    assert entry.reason == "ops-lead changed create_only, won_stages (api)"


def test_the_change_can_be_read_back_from_the_log_api(call, admin_user):
    call(admin_user, "PATCH", URL, {"reconcile_minutes": 5})

    listed = call(admin_user, "GET", "/api/log/?operation=settings_change").json()

    assert [e["diff"] for e in listed["results"]] == [{"reconcile_minutes": [15, 5]}]


def test_a_change_to_the_same_values_logs_nothing(call, admin_user):
    response = call(admin_user, "PATCH", URL, {"create_only": False})

    assert response.status_code == 200
    assert settings_log() == []


def test_the_group_is_named_and_logged_by_its_name(call, admin_user):
    Group.objects.create(name="Finance")

    response = call(admin_user, "PATCH", URL, {"failure_notice_group": "Finance"})
    unknown = call(admin_user, "PATCH", URL, {"failure_notice_group": "Nobody"})

    assert response.json()["failure_notice_group"] == "Finance"
    assert settings_log()[0].diff == {"failure_notice_group": [None, "Finance"]}
    assert unknown.status_code == 400
    assert list(unknown.json()) == ["failure_notice_group"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"create_onyl": True}, "create_onyl", "not a setting that can be changed"),
        ({"salesforce_edition_detected": "x"}, "salesforce_edition_detected", "not a setting"),
        (
            {"failure_notice_emails": "ops@example.com, ops@"},
            "failure_notice_emails",
            "'ops@' is not an email",
        ),
        (
            {"product_item_lookup": {"A-1": "x"}},
            "product_item_lookup",
            "'x' is not a NetSuite internal id",
        ),
        ({"product_item_lookup": ["A-1"]}, "product_item_lookup", "A JSON object"),
        ({"product_item_lookup": {"A\x001": "5"}}, "product_item_lookup", "holds a NUL"),
        ({"won_stages": "Won\x00"}, "won_stages", "Null characters are not allowed"),
        (
            {"netsuite_default_subsidiary_id": "one"},
            "netsuite_default_subsidiary_id",
            "is a number",
        ),
        (
            {"netsuite_additional_currency_ids": "1;2"},
            "netsuite_additional_currency_ids",
            "comma-separated",
        ),
        ({"product_key_field": "Product Code"}, "product_key_field", "API name"),
        ({"failure_notice_minutes": 0}, "failure_notice_minutes", "greater than or equal to 1"),
        ({"reconcile_minutes": -1}, "reconcile_minutes", "greater than or equal to 0"),
        ({"salesforce_edition": "Free Edition"}, "salesforce_edition", "is not a valid choice"),
        ({"create_only": "perhaps"}, "create_only", "Must be a valid boolean"),
        ({"won_stages": "x" * 300}, "won_stages", "no more than 255 characters"),
    ],
)
def test_a_bad_value_is_refused_with_the_reason_and_nothing_changes(
    call, admin_user, change, field, message
):
    # With a good change beside it: all or nothing.
    response = call(admin_user, "PATCH", URL, {"create_only": True, **change})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]
    assert IntegrationSettings.load().create_only is False
    assert settings_log() == []


@pytest.mark.parametrize("body", [["create_only"], "create_only", 12])
def test_a_body_that_is_not_an_object_is_refused(call, admin_user, body):
    response = call(admin_user, "PATCH", URL, body)

    assert response.status_code == 400
    assert "Expected a dictionary" in str(response.json())


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_only_get_and_patch_are_allowed(call, admin_user, method):
    assert call(admin_user, method, URL, {}).status_code == 405
