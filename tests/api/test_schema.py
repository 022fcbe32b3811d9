"""
The OpenAPI 3 schema (drf-spectacular): generated without a single warning, valid by the
OpenAPI specification's own validator, describing every endpoint and its answers; served
to staff at /api/schema/, with Swagger UI at /api/docs/ from SFNS's own static files.
"""

from __future__ import annotations

import json

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from openapi_spec_validator import validate

from sfns.urls import router

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it."""
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        # Fails (CommandError) on any warning or error, and on a schema its validator refuses.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)  # raises on the first thing the specification does not allow
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "SFNS API"


def test_every_route_is_in_the_schema(schema):
    paths = set(schema["paths"])
    for url in router.urls:
        if not hasattr(url.callback, "actions") or "format" in url.pattern.regex.groupindex:
            continue
        template = url.pattern.regex.pattern.strip("^$")
        for name in url.pattern.regex.groupindex:
            template = template.replace(
                f"(?P<{name}>[^/.]+)", f"{{{'id' if name == 'pk' else name}}}"
            )
        assert f"/api/{template}" in paths
        for method in set(url.callback.actions) - {"head"}:  # DRF adds head to a get
            assert method in schema["paths"][f"/api/{template}"]
    assert {"get", "patch"} <= set(schema["paths"]["/api/settings/"])


@pytest.mark.parametrize(
    ("path", "answers", "permission"),
    [
        (
            "/api/accounts/{salesforce_id}/sync/",
            {"202", "400", "401", "403", "404"},
            "sync.sync_account",
        ),
        ("/api/accounts/{salesforce_id}/link/", {"202", "400", "409"}, "sync.link_account"),
        (
            "/api/accounts/{salesforce_id}/update-from-netsuite/",
            {"202", "409", "503"},
            "sync.update_account_from_netsuite",
        ),
        ("/api/opportunities/{salesforce_id}/quote/", {"202"}, "sync.create_quote"),
        (
            "/api/opportunities/{salesforce_id}/sales-order/",
            {"202", "409"},
            "sync.sync_sales_order",
        ),
        ("/api/jobs/{id}/retry/", {"202", "409"}, "sync.retry_job"),
    ],
)
def test_work_endpoints_describe_their_answers_and_permission(schema, path, answers, permission):
    operation = schema["paths"][path]["post"]

    assert answers <= set(operation["responses"])
    assert permission in operation["description"]
    assert permission in json.dumps(operation["responses"]["403"])
    job = operation["responses"]["202"]["content"]["application/json"]
    assert job["schema"] == {"$ref": "#/components/schemas/SyncJob"}
    assert job["examples"]  # an example of the queued job
    if "409" in answers:
        assert operation["responses"]["409"]["content"]["application/json"]["examples"]


def test_the_filters_and_their_choices_are_described(schema):
    jobs = {p["name"]: p for p in schema["paths"]["/api/jobs/"]["get"]["parameters"]}
    log = {p["name"]: p for p in schema["paths"]["/api/log/"]["get"]["parameters"]}

    assert set(jobs) >= {"status", "kind", "record_id", "search", "ordering", "page"}
    assert "failed" in jobs["status"]["schema"]["enum"]
    assert "created_at" in jobs["ordering"]["description"]
    assert log["job_id"]["schema"]["type"] == "integer"
    assert "400" in schema["paths"]["/api/jobs/"]["get"]["responses"]


def test_the_schema_is_served_to_staff_only(call, staff, make_user):
    served = call(staff, "GET", "/api/schema/?format=json")
    anonymous = call(None, "GET", "/api/schema/")
    clerk = call(make_user("clerk", staff=False), "GET", "/api/schema/")

    assert served.status_code == 200
    assert served.json()["openapi"].startswith("3.")
    assert (anonymous.status_code, clerk.status_code) == (401, 403)
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}


def test_the_docs_page_is_for_staff_and_sends_others_to_log_in(client, staff, make_user):
    anonymous = client.get("/api/docs/")
    client.force_login(make_user("clerk", staff=False))
    clerk = client.get("/api/docs/")
    client.force_login(staff)
    page = client.get("/api/docs/")

    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/admin/login/?next=/api/docs/"
    assert clerk.status_code == 403
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/schema/" in html
    # Swagger UI from SFNS's own static files (drf-spectacular-sidecar), no CDN.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
