"""
Fuzzing the REST API (hypothesis): every route the router serves, with generated ids, query
parameters, JSON, form and raw bodies, methods and callers. Never a 5xx; a refusal says why.

The routes are taken from the router itself, so a new viewset is fuzzed without touching this
file (the settings endpoint, outside the router, is added by hand).
"""

from __future__ import annotations

import json
import re
import string
from urllib.parse import quote, urlencode

import hypothesis
import pytest
from django.utils.regex_helper import normalize
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from integration_log.models import Operation, Outcome
from sfns.urls import router
from sync.models import JobStatus, MappingDirection, Transform

from .factories import (
    AccountFactory,
    CustomerFactory,
    FieldMappingFactory,
    LogEntryFactory,
    OpportunityFactory,
    SyncJobFactory,
)
from .fuzzing import FUZZ, assert_answered, clean_json, json_values, mostly, rolled_back

pytestmark = pytest.mark.django_db

# The router's routes without their format-suffix twins: (path template, its methods). The
# methods are copied: DRF adds "head" to a view's actions on its first request.
ROUTES = [
    (
        "/api/" + normalize(url.pattern.regex.pattern)[0][0],  # accounts/%(salesforce_id)s/
        tuple(sorted(method.upper() for method in url.callback.actions)),
    )
    for url in router.urls
    if hasattr(url.callback, "actions") and "format" not in url.pattern.regex.groupindex
] + [("/api/settings/", ("GET", "PATCH"))]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
# Text without unpaired surrogates (a URL cannot carry them), and half the time one of the
# values that broke something somewhere (NUL: PostgreSQL text cannot hold it).
url_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
nasty_text = url_text | st.sampled_from(
    ["\x00", "failed\x00", "\x00\x00", "%00", "'; --", "\uffff", "\U0001d54f", "9" * 40, "-1", ""]
)
# The query parameters each list reads (sync/api/filters.py); any list takes page, format,
# search and ordering.
FILTERS = {
    "accounts": ["linked", "netsuite_id", "sync_error", "deleted", "modified_after"],
    "opportunities": ["account", "stage", "amount_min", "amount_max", "has_estimate"],
    "customers": ["salesforce_id", "locked", "balance_min", "overdue_balance_min"],
    "jobs": ["status", "kind", "record_id", "created_after", "created_before"],
    "log": ["outcome", "operation", "direction", "salesforce_id", "netsuite_id", "job_id"],
    "mappings": ["direction", "transform", "enabled", "preview"],
}
ORDERING = ["name", "-id", "id,-created_at", "amount", "position", "balance", "size", "-"]
ALNUM = string.ascii_letters + string.digits
# Each route its own share, so the one that reads a body (link) is not left to chance.
FUZZ_EACH_ROUTE = settings(FUZZ, max_examples=max(FUZZ.max_examples // 8, 10))


def test_every_route_is_fuzzed():
    """The route list above is the router's: a change to the API cannot fall out of it."""
    names = {template for template, _ in ROUTES}
    assert "/api/accounts/%(salesforce_id)s/link/" in names
    assert "/api/jobs/%(pk)s/retry/" in names
    assert "/api/mappings/preview/" in names
    assert "/api/customers/%(netsuite_id)s/" in names
    assert len(ROUTES) >= 21  # the API's routes when this was written
    leftovers = [re.sub(r"%\(\w+\)s", "", name) for name in names]
    assert not [name for name in leftovers if set(name) & set("()[]?*+\\")]  # no regex left


@pytest.fixture
def seeded(db, django_user_model):
    """Rows for the ids to hit, and a caller of each kind."""
    linked = AccountFactory(netsuite_id="5000")
    CustomerFactory(netsuite_id="5000")
    unlinked = AccountFactory()
    opportunity = OpportunityFactory(account=linked)
    failed = SyncJobFactory(status=JobStatus.FAILED, record_id=linked.salesforce_id)
    pending = SyncJobFactory(record_id=unlinked.salesforce_id, dedupe_key="x")
    entry = LogEntryFactory()
    # A superuser has every permission: requests reach past the permission checks.
    staff = django_user_model.objects.create_user("staff", is_staff=True, is_superuser=True)
    clerk = django_user_model.objects.create_user("clerk")
    mapping = FieldMappingFactory(direction="sf_to_ns", source="Fax", target="fax")
    return {
        "accounts": [linked.salesforce_id, unlinked.salesforce_id, unlinked.salesforce_id[:15]],
        "opportunities": [opportunity.salesforce_id],
        "customers": ["5000"],
        "jobs": [str(failed.pk), str(pending.pk)],
        "log": [str(entry.pk)],
        "mappings": [str(mapping.pk)],
        "staff": staff,
        "clerk": clerk,
        "token": Token.objects.create(user=staff).key,
    }


def path_values(resource: str, seeded: dict) -> st.SearchStrategy[str]:
    """Mostly a row that exists; else an id of the right shape; else anything."""
    shaped = (
        st.text(st.sampled_from(ALNUM), min_size=15, max_size=18)
        if resource in ("accounts", "opportunities")
        else st.integers(0, 10**30).map(str)
    )
    return mostly(mostly(st.sampled_from(seeded[resource]), shaped, 4), nasty_text, 5)


def query_params(resource: str) -> st.SearchStrategy[dict[str, str]]:
    values = [
        *JobStatus.values,
        *Outcome.values,
        *Operation.values,
        *ORDERING,
        "1",
        "2",
        "true",
        "false",
        "2026-09-01T10:00:00Z",
        "1e400",
        "NaN",
        "001000000000001",
        "001000000000001aaa",
        "9" * 30,
    ]
    return st.dictionaries(
        st.sampled_from([*FILTERS.get(resource, []), "page", "format", "search", "ordering"])
        | url_text,
        mostly(st.sampled_from(values), nasty_text, odds=3),
        max_size=3,
    )


def mapping_bodies() -> st.SearchStrategy[dict]:
    paths = st.sampled_from(["Phone", "companyName", "subsidiary.id", "a.0.b", "", "x.", "1"])
    return st.fixed_dictionaries(
        {},
        optional={
            "direction": mostly(st.sampled_from([d.value for d in MappingDirection]), json_values),
            "source": mostly(paths, json_values),
            "target": mostly(paths, json_values),
            "transform": mostly(st.sampled_from([t.value for t in Transform]), json_values),
            "argument": mostly(
                st.sampled_from([None, 83, -1, 4, "{Name}", "{0}", "{Name:>99999}", {"a": "b"}]),
                json_values,
            ),
            "position": mostly(st.integers(0, 40000), json_values),
            "enabled": mostly(st.booleans(), json_values),
            "record": mostly(st.sampled_from(["001000000001000", "5000", "zz"]), json_values),
            "replaces": mostly(st.integers(0, 10**20), json_values),
        },
    )


def settings_bodies() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {},
        optional={
            "create_only": mostly(st.booleans(), json_values),
            "reconcile_minutes": mostly(st.integers(-5, 10**12), json_values),
            "failure_notice_emails": mostly(st.sampled_from(["a@b.example", "nope"]), json_values),
            "failure_notice_group": json_values,
            "product_item_lookup": mostly(st.just({"A-1": "57"}), json_values),
            "netsuite_default_subsidiary_id": mostly(st.sampled_from(["1", "x"]), json_values),
            "salesforce_edition_detected": json_values,
        },
    )


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """(body, content type): a link choice, any JSON, a form, or bytes."""
    kind = draw(st.sampled_from(["choice", "mapping", "settings", "json", "form", "raw", "deep"]))
    if kind == "mapping":  # a field mapping (or its preview), mostly well formed
        return json.dumps(draw(mapping_bodies())).encode("utf-8", "surrogatepass"), (
            "application/json"
        )
    if kind == "settings":
        return json.dumps(draw(settings_bodies())).encode("utf-8", "surrogatepass"), (
            "application/json"
        )
    if kind == "deep":  # Python's json gives up (RecursionError) somewhere past 1,000 levels
        depth = draw(st.sampled_from([10, 1_000, 100_000]))
        return ("[" * depth + "]" * depth).encode(), "application/json"
    if kind == "choice":
        choice = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "netsuite_id": mostly(st.integers(0, 10**40).map(str), clean_json, 4),
                    "create": mostly(st.booleans(), clean_json, 4),
                },
            )
        )
        return json.dumps(choice).encode(), "application/json"
    if kind == "json":  # NaN, Infinity and friends included: DRF must refuse them
        return json.dumps(draw(json_values)).encode("utf-8", "surrogatepass"), "application/json"
    if kind == "form":
        form = draw(st.dictionaries(nasty_text, nasty_text, max_size=4))
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "multipart/form-data; boundary=xyz",
                "multipart/form-data",
                "text/plain",
                "application/x-www-form-urlencoded",
            ]
        )
    )
    return draw(st.binary(max_size=200)), content_type


@st.composite
def requests_(draw: st.DrawFn, route: tuple[str, tuple[str, ...]], seeded: dict) -> dict:
    template, methods = route
    resource = template.split("/")[2]
    names = re.findall(r"%\((\w+)\)s", template)
    path = template % {name: quote(draw(path_values(resource, seeded)), safe="") for name in names}
    path += draw(mostly(st.just(""), st.sampled_from([".json", ".api", ".xml", "x"]), 10))
    method = draw(mostly(st.sampled_from(methods), st.sampled_from(METHODS)))
    query = draw(query_params(resource))
    body, content_type = draw(bodies()) if method in ("POST", "PUT", "PATCH") else (b"", "")
    caller = draw(mostly(st.just("staff"), st.sampled_from(["anonymous", "clerk", "token"]), 5))
    return {
        "method": method,
        "path": path + ("?" + urlencode(query) if query else ""),
        "body": body,
        "content_type": content_type,
        "caller": caller,
    }


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m[0]} {t}" for t, m in ROUTES])
@FUZZ_EACH_ROUTE
@given(data=st.data())
def test_api_requests_never_get_a_server_error(
    client, seeded, salesforce_emulator, netsuite_emulator, route, data
):
    request = data.draw(requests_(route, seeded))
    headers = {}
    if request["caller"] == "token":
        headers["Authorization"] = f"Token {seeded['token']}"
    elif request["caller"] != "anonymous":
        client.force_login(seeded[request["caller"]])
    with rolled_back():
        response = client.generic(
            request["method"],
            request["path"],
            data=request["body"],
            content_type=request["content_type"] or "application/octet-stream",
            headers=headers,
        )

        hypothesis.event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics
        if request["method"] == "HEAD":  # no body to carry a message
            assert response.status_code < 500
        else:
            assert_answered(response)
    client.logout()
