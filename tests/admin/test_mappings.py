"""
The field mappings in the admin are checked as the API checks them (selectors.mapping_problems):
a rule that cannot work, or that collides with another, is refused on its page and in the
list's editable columns, and nothing is saved.
"""

from __future__ import annotations

import pytest

from sync.models import FieldMapping

from ..factories import FieldMappingFactory

pytestmark = pytest.mark.django_db

URL = "/admin/sync/fieldmapping/"


def form(**fields) -> dict:
    return {
        "direction": "sf_to_ns",
        "source": "Name",
        "target": "custentity_region",
        "transform": "copy",
        "argument": "null",
        "position": "0",
        "enabled": "on",
        **fields,
    }


def test_a_truncate_without_a_length_is_refused_on_its_page(admin_client):
    before = FieldMapping.objects.count()  # the migrated defaults

    answer = admin_client.post(f"{URL}add/", form(transform="truncate"))

    assert answer.status_code == 200  # the form again, with the reason
    assert "truncate needs a length" in answer.content.decode()
    assert FieldMapping.objects.count() == before


def test_a_good_rule_is_saved(admin_client):
    answer = admin_client.post(f"{URL}add/", form(transform="truncate", argument="20"))

    assert answer.status_code == 302
    assert FieldMapping.objects.get(target="custentity_region").argument == 20


def test_a_field_inside_a_mapped_object_is_refused(admin_client):
    FieldMappingFactory(direction="sf_to_ns", source="", target="custentity_o", transform="static")
    before = FieldMapping.objects.count()

    answer = admin_client.post(f"{URL}add/", form(source="Name", target="custentity_o.id"))

    assert answer.status_code == 200
    assert "custentity_o" in answer.content.decode()
    assert FieldMapping.objects.count() == before


def test_enabling_a_colliding_rule_from_the_list_is_refused(admin_client):
    kept = FieldMappingFactory(
        direction="sf_to_ns", source="", target="custentity_o", transform="static", enabled=True
    )
    off = FieldMappingFactory(
        direction="sf_to_ns", source="Name", target="custentity_o.id", enabled=False
    )
    rows = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "_save": "Save",
        **{f"form-{n}-id": str(m.pk) for n, m in enumerate([kept, off])},
        **{f"form-{n}-position": "0" for n in range(2)},
        "form-0-enabled": "on",
        "form-1-enabled": "on",
    }

    answer = admin_client.post(URL, rows)

    assert answer.status_code == 200  # the list again, with the row's error
    off.refresh_from_db()
    assert off.enabled is False
