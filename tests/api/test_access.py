"""
Every endpoint of the API, four ways: anonymous (401), without the permission (403, and
nothing happens), with bad input (400 naming what is wrong), and allowed (it works). A new
route the router serves must be added here: test_the_table_covers_every_route checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sfns.urls import router
from sync.models import FieldMapping, SyncJob

from .conftest import EVERY

pytestmark = pytest.mark.django_db

NEW_MAPPING = {
    "direction": "sf_to_ns",
    "source": "Industry",
    "target": "custentity_industry",
    "transform": "copy",
}


@dataclass
class Endpoint:
    method: str
    url: Callable[[Any], str]  # from the world fixture's rows
    ok: int
    permission: str = ""  # "": reading, for any staff
    body: Any = None  # or a function of the world fixture
    bad_url: Callable[[Any], str] | None = None  # bad input: a URL, or a body for `url`
    bad_body: Any = None
    bad_key: str = ""  # the parameter or field the 400 names

    def __str__(self) -> str:
        return f"{self.method} {self.url(_Ids())}"


class _Ids:
    """Placeholders for the ids, to name the test cases."""

    def __getattr__(self, name: str) -> Any:
        return _Ids()

    def __str__(self) -> str:
        return "<id>"

    def __getitem__(self, item: Any) -> str:
        return "<id>"


def account(w, attr="unlinked"):
    return getattr(w, attr).salesforce_id


ENDPOINTS = [
    Endpoint(
        "GET",
        lambda w: "/api/accounts/",
        200,
        bad_url=lambda w: "/api/accounts/?linked=maybe",
        bad_key="linked",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/accounts/{account(w)}/",
        200,
        bad_url=lambda w: "/api/accounts/001-42/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/accounts/{account(w, 'linked')}/preview/",
        200,
        bad_url=lambda w: "/api/accounts/001000000000062EAA/preview/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/accounts/{account(w)}/sync/",
        202,
        "sync.sync_account",
        bad_url=lambda w: "/api/accounts/001000000000062EAA/sync/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/accounts/{account(w)}/link/",
        202,
        "sync.link_account",
        body={"create": True},
        bad_body={"netsuite_id": "12", "create": True},
        bad_key="non_field_errors",
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/accounts/{account(w, 'linked')}/update-from-netsuite/",
        202,
        "sync.update_account_from_netsuite",
        bad_url=lambda w: "/api/accounts/not-an-account/update-from-netsuite/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "GET",
        lambda w: "/api/opportunities/",
        200,
        bad_url=lambda w: "/api/opportunities/?amount_min=lots",
        bad_key="amount_min",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/opportunities/{w.opportunity.salesforce_id}/",
        200,
        bad_url=lambda w: "/api/opportunities/006/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/opportunities/{w.opportunity.salesforce_id}/quote/",
        202,
        "sync.create_quote",
        bad_url=lambda w: "/api/opportunities/0060000000000629AA/quote/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/opportunities/{w.opportunity.salesforce_id}/sales-order/",
        202,
        "sync.sync_sales_order",
        bad_url=lambda w: "/api/opportunities/x/sales-order/",
        bad_key="salesforce_id",
    ),
    Endpoint(
        "GET",
        lambda w: "/api/customers/",
        200,
        bad_url=lambda w: "/api/customers/?locked=perhaps",
        bad_key="locked",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/customers/{w.customer.netsuite_id}/",
        200,
        bad_url=lambda w: "/api/customers/CUST-1/",
        bad_key="netsuite_id",
    ),
    Endpoint(
        "GET",
        lambda w: "/api/jobs/",
        200,
        bad_url=lambda w: "/api/jobs/?status=sent",
        bad_key="status",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/jobs/{w.failed_job.pk}/",
        200,
        bad_url=lambda w: "/api/jobs/first/",
        bad_key="id",
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/jobs/{w.failed_job.pk}/retry/",
        202,
        "sync.retry_job",
        bad_url=lambda w: "/api/jobs/last/retry/",
        bad_key="id",
    ),
    Endpoint(
        "GET",
        lambda w: "/api/log/",
        200,
        bad_url=lambda w: "/api/log/?created_after=yesterday",
        bad_key="created_after",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/log/{w.entry.pk}/",
        200,
        bad_url=lambda w: "/api/log/-1/",
        bad_key="id",
    ),
    Endpoint(
        "GET",
        lambda w: "/api/mappings/",
        200,
        bad_url=lambda w: "/api/mappings/?direction=sideways",
        bad_key="direction",
    ),
    Endpoint(
        "GET",
        lambda w: f"/api/mappings/{w.mapping.pk}/",
        200,
        bad_url=lambda w: "/api/mappings/fax/",
        bad_key="id",
    ),
    Endpoint(
        "POST",
        lambda w: "/api/mappings/",
        201,
        "sync.add_fieldmapping",
        body=NEW_MAPPING,
        bad_body={**NEW_MAPPING, "transform": "truncate", "argument": "short"},
        bad_key="argument",
    ),
    Endpoint(
        "PATCH",
        lambda w: f"/api/mappings/{w.mapping.pk}/",
        200,
        "sync.change_fieldmapping",
        body={"target": "fax2"},
        bad_body={"target": "fax..2"},
        bad_key="target",
    ),
    Endpoint(
        "PUT",
        lambda w: f"/api/mappings/{w.mapping.pk}/",
        200,
        "sync.change_fieldmapping",
        body={**NEW_MAPPING, "target": "fax"},
        bad_body={"direction": "sf_to_ns"},
        bad_key="target",
    ),
    Endpoint(
        "DELETE",
        lambda w: f"/api/mappings/{w.mapping.pk}/",
        204,
        "sync.delete_fieldmapping",
        bad_url=lambda w: "/api/mappings/all/",
        bad_key="id",
    ),
    Endpoint(
        "POST",
        lambda w: "/api/mappings/preview/",
        200,
        body=lambda w: {**NEW_MAPPING, "record": w.linked.salesforce_id[:15]},
        bad_body={**NEW_MAPPING, "record": "001000000000099"},
        bad_key="record",
    ),
    Endpoint(
        "GET",
        lambda w: "/api/settings/",
        200,
        bad_url=lambda w: "/api/settings/?x=%00",
        bad_key="x",
    ),
    Endpoint(
        "PATCH",
        lambda w: "/api/settings/",
        200,
        "settings.change_integrationsettings",
        body={"create_only": True},
        bad_body={"reconcile_minutes": -1},
        bad_key="reconcile_minutes",
    ),
    Endpoint("GET", lambda w: "/api/schema/", 200),
]
IDS = [str(endpoint) for endpoint in ENDPOINTS]


def body_of(endpoint: Endpoint, world) -> Any:
    return endpoint.body(world) if callable(endpoint.body) else endpoint.body


def effects() -> tuple:
    """What a request may change: jobs, mappings, settings, the log."""
    conf = IntegrationSettings.load()
    return (
        SyncJob.objects.count(),
        list(FieldMapping.objects.values_list("pk", "target").order_by("pk")),
        conf.create_only,
        LogEntry.objects.count(),
    )


def test_the_table_covers_every_route(world):
    """Each method of each route the router serves is in the table (and so tested 4 ways)."""
    missing = []
    for url in router.urls:
        if not hasattr(url.callback, "actions") or "format" in url.pattern.regex.groupindex:
            continue
        for method in url.callback.initkwargs.get("actions", url.callback.actions):
            if not any(
                endpoint.method == method.upper()
                and url.pattern.regex.search(endpoint.url(world).split("?")[0][len("/api/") :])
                for endpoint in ENDPOINTS
            ):
                missing.append(f"{method.upper()} {url.pattern.regex.pattern}")
    assert missing == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_anonymous_callers_are_refused(call, world, endpoint):
    before = effects()

    response = call(None, endpoint.method, endpoint.url(world), body_of(endpoint, world))

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert effects() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_users_who_are_not_staff_are_refused_whatever_their_permissions(
    call, world, make_user, endpoint
):
    clerk = make_user("clerk", *EVERY, staff=False)
    before = effects()

    response = call(clerk, endpoint.method, endpoint.url(world), body_of(endpoint, world))

    assert response.status_code == 403
    assert effects() == before


PERMISSIONED = [endpoint for endpoint in ENDPOINTS if endpoint.permission]


@pytest.mark.parametrize("endpoint", PERMISSIONED, ids=[str(e) for e in PERMISSIONED])
def test_staff_without_the_permission_are_refused_and_nothing_happens(
    call, world, make_user, endpoint
):
    # Every other permission, not this one: each operation is allowed on its own.
    others = make_user("others", *[p for p in EVERY if p != endpoint.permission])
    before = effects()

    response = call(others, endpoint.method, endpoint.url(world), body_of(endpoint, world))

    assert response.status_code == 403
    assert response.json() == {
        "detail": f"This needs a staff user with the permission {endpoint.permission}."
    }
    assert effects() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_staff_with_the_permission_are_answered(call, world, make_user, endpoint):
    user = make_user("allowed", *([endpoint.permission] if endpoint.permission else []))

    response = call(user, endpoint.method, endpoint.url(world), body_of(endpoint, world))

    assert response.status_code == endpoint.ok, response.content[:500]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_a_superuser_has_every_permission(call, world, django_user_model, endpoint):
    root = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)

    response = call(root, endpoint.method, endpoint.url(world), body_of(endpoint, world))

    assert response.status_code == endpoint.ok


BAD = [endpoint for endpoint in ENDPOINTS if endpoint.bad_key]


@pytest.mark.parametrize("endpoint", BAD, ids=[str(e) for e in BAD])
def test_bad_input_is_a_400_that_names_what_is_wrong(call, world, operator, endpoint):
    url = endpoint.bad_url(world) if endpoint.bad_url else endpoint.url(world)
    body = endpoint.bad_body if endpoint.bad_body is not None else body_of(endpoint, world)
    before = effects()

    response = call(operator, endpoint.method, url, body)

    assert response.status_code == 400, response.content[:500]
    errors = response.json()
    assert list(errors) == [endpoint.bad_key]
    assert all(isinstance(text, str) and text for text in errors[endpoint.bad_key])
    assert effects() == before
