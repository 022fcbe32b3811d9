"""
/api/mappings/: the field mappings, read by staff and changed with sync's FieldMapping
permissions. A rule is checked before it is saved (paths, argument, its place beside the
others), and the preview shows what it makes of a real record without saving anything.
"""

from __future__ import annotations

import pytest

from sync.models import FieldMapping

from ..factories import AccountFactory, CustomerFactory, FieldMappingFactory

pytestmark = pytest.mark.django_db

URL = "/api/mappings/"
INDUSTRY = {
    "direction": "sf_to_ns",
    "source": "Industry",
    "target": "custentity_industry",
    "transform": "lookup",
    "argument": {"Banking": "1", "*": "9"},
}


@pytest.fixture
def editor(make_user):
    return make_user(
        "mapper", "sync.add_fieldmapping", "sync.change_fieldmapping", "sync.delete_fieldmapping"
    )


@pytest.fixture
def acme(db):
    return AccountFactory(
        salesforce_id="0019000000B98deAAB",
        name="Acme",
        fields={"Industry": "Banking", "Phone": "+1 555 0100"},
    )


def test_the_mappings_are_listed_in_their_order_and_filtered(call, staff):
    listed = call(staff, "GET", f"{URL}?direction=sf_to_ns&ordering=position").json()
    reverse = call(staff, "GET", f"{URL}?direction=ns_to_sf&search=balance").json()

    assert listed["results"][0] | {"id": 0} == {
        "id": 0,
        "direction": "sf_to_ns",
        "source": "Name",
        "target": "companyName",
        "transform": "truncate",
        "argument": 83,
        "position": 0,
        "enabled": True,
    }
    assert {m["direction"] for m in listed["results"]} == {"sf_to_ns"}
    assert sorted(m["source"] for m in reverse["results"]) == [
        "balance",
        "depositBalance",
        "overdueBalance",
    ]


def test_a_new_rule_is_saved_and_the_next_push_sends_it(call, editor, acme):
    response = call(editor, "POST", URL, INDUSTRY)

    assert response.status_code == 201
    created = FieldMapping.objects.get(pk=response.json()["id"])
    assert (created.target, created.argument) == ("custentity_industry", {"Banking": "1", "*": "9"})
    preview = call(editor, "GET", f"/api/accounts/{acme.salesforce_id}/preview/").json()
    assert preview["payload"]["custentity_industry"] == "1"


def test_create_with_a_preview_answers_what_the_rule_makes_of_the_record(call, editor, acme):
    response = call(editor, "POST", f"{URL}?preview=0019000000B98de", INDUSTRY)

    assert response.status_code == 201
    preview = response.json()["preview"]
    assert preview["record"] == "0019000000B98de"
    assert (preview["value"], preview["sets"], preview["error"]) == ("1", True, "")
    assert preview["changes"] == {"custentity_industry": [None, "1"]}
    assert preview["payload"]["companyName"] == "Acme"


def test_a_preview_on_a_record_sfns_does_not_have_saves_nothing(call, editor, acme):
    response = call(editor, "POST", f"{URL}?preview=0019000000Zzzzz", INDUSTRY)

    assert response.status_code == 400
    assert response.json() == {"record": ["no Account '0019000000Zzzzz' in SFNS"]}
    assert not FieldMapping.objects.filter(target="custentity_industry").exists()


def test_the_preview_action_tries_a_rule_without_saving_it(call, staff, acme):
    before = FieldMapping.objects.count()

    response = call(staff, "POST", f"{URL}preview/", {**INDUSTRY, "record": acme.salesforce_id})

    assert response.status_code == 200
    assert response.json()["value"] == "1"
    assert FieldMapping.objects.count() == before


def test_the_preview_of_an_edit_shows_the_change_against_todays_rule(call, staff, acme):
    phone = FieldMapping.objects.get(direction="sf_to_ns", target="phone")
    edit = {"direction": "sf_to_ns", "source": "Phone", "target": "phone", "transform": "static"}

    response = call(
        staff,
        "POST",
        f"{URL}preview/",
        {**edit, "argument": "n/a", "record": acme.salesforce_id, "replaces": phone.pk},
    )

    assert response.json()["changes"] == {"phone": ["+1 555 0100", "n/a"]}


def test_a_rule_that_fails_on_the_records_values_previews_its_error(call, staff, acme):
    acme.fields["ShippingCountry"] = "Atlantis"
    acme.save()
    country = {
        "direction": "sf_to_ns",
        "source": "ShippingCountry",
        "target": "custentity_country",
        "transform": "country",
        "record": acme.salesforce_id,
    }

    response = call(staff, "POST", f"{URL}preview/", country)

    assert response.status_code == 200
    assert response.json()["error"] == (
        "custentity_country: 'Atlantis' is not a country NetSuite knows (a name or ISO code)"
    )
    assert response.json()["payload"] is None


def test_a_reverse_rule_previews_on_a_customer(call, staff, db):
    CustomerFactory(netsuite_id="77", fields={"balance": 1500.25, "creditLimit": 9000})
    rule = {
        "direction": "ns_to_sf",
        "source": "creditLimit",
        "target": "Credit_Limit__c",
        "record": "77",
    }

    response = call(staff, "POST", f"{URL}preview/", rule)

    assert response.json()["value"] == 9000
    assert response.json()["payload"]["NetSuite_Balance__c"] == 1500.25


def test_a_rule_is_changed_and_deleted(call, editor):
    fax = FieldMappingFactory(source="Fax", target="fax")

    changed = call(editor, "PATCH", f"{URL}{fax.pk}/", {"transform": "truncate", "argument": 20})
    deleted = call(editor, "DELETE", f"{URL}{fax.pk}/")

    assert changed.status_code == 200
    assert (changed.json()["transform"], changed.json()["argument"]) == ("truncate", 20)
    assert deleted.status_code == 204
    assert not FieldMapping.objects.filter(pk=fax.pk).exists()


def test_an_edit_keeps_its_own_target(call, editor):
    """An edit is checked beside the other rules, not beside the rule it replaces."""
    phone = FieldMapping.objects.get(direction="sf_to_ns", target="phone")

    response = call(editor, "PATCH", f"{URL}{phone.pk}/", {"source": "MobilePhone"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"target": "custentity..x"}, "target", "is not a field path"),
        ({"target": "0.x"}, "target", "is not a field path"),
        ({"source": "Billing Street"}, "source", "is not a field path"),
        ({"source": ""}, "source", "lookup reads a source field: name one"),
        ({"transform": "copy", "argument": 5}, "argument", "copy takes no argument"),
        ({"transform": "truncate", "argument": "83"}, "argument", "truncate needs a length"),
        ({"transform": "truncate", "argument": -1}, "argument", "truncate needs a length"),
        ({"argument": ["Banking"]}, "argument", "lookup needs a table"),
        ({"transform": "street_line", "argument": 4}, "argument", "from 1 to 3"),
        ({"transform": "template", "argument": "{0}"}, "argument", "is not a field name"),
        ({"transform": "template", "argument": "{Name:>99999999}"}, "argument", "wider than 999"),
        ({"transform": "upper"}, "transform", "is not a valid choice"),
        ({"direction": "both"}, "direction", "is not a valid choice"),
        ({"target": "phone"}, "target", "phone is already mapped in sf_to_ns"),
        (
            {"target": "subsidiary.id", "transform": "copy", "argument": None},
            "target",
            "subsidiary.id lies inside subsidiary",
        ),
        (
            {"direction": "ns_to_sf", "target": "Credit.Limit__c"},
            "target",
            "a Salesforce field's API name",
        ),
        ({"position": -1}, "position", "greater than or equal to 0"),
        # PostgreSQL's jsonb cannot hold a NUL: refused before it gets there.
        ({"argument": {"Banking": "a\x00b"}}, "argument", "argument['Banking'] holds a NUL"),
        ({"argument": {"Bank\ud800": "1"}}, "argument", "unpaired surrogate"),
        ({"enabled": "sometimes"}, "enabled", "Must be a valid boolean"),
    ],
)
def test_a_bad_rule_is_refused_with_the_reason(call, editor, rule, field, message):
    FieldMappingFactory(source="", target="subsidiary", transform="static", argument="1")
    before = FieldMapping.objects.count()

    created = call(editor, "POST", URL, {**INDUSTRY, **rule})
    previewed = call(editor, "POST", f"{URL}preview/", {**INDUSTRY, **rule, "record": "x"})

    for response in (created, previewed):
        assert response.status_code == 400, response.content
        assert list(response.json()) == [field]
        assert message in response.json()[field][0]
    assert FieldMapping.objects.count() == before


def test_a_disabled_rule_may_sit_beside_one_it_would_clash_with(call, editor):
    FieldMappingFactory(source="", target="subsidiary", transform="static", argument="1")

    response = call(editor, "POST", URL, {**INDUSTRY, "target": "subsidiary.id", "enabled": False})

    assert response.status_code == 201


def test_a_preview_needs_a_record(call, staff):
    response = call(staff, "POST", f"{URL}preview/", INDUSTRY)

    assert response.status_code == 400
    assert response.json() == {"record": ["This field is required."]}
