"""
The REST API: staff only (token or session), read the mirrors, jobs and log, ask for syncs
(each with its permission). tests/api/ has the newer endpoints, permissions, filters and ids.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from accounts.models import Account
from integration_log.models import LogEntry
from sync.models import SyncJob

from .factories import AccountFactory, LogEntryFactory, OpportunityFactory, SyncJobFactory

UNKNOWN = "001999999999999AAA"
WORK = [
    "sync_account",
    "link_account",
    "update_account_from_netsuite",
    "create_quote",
    "sync_sales_order",
    "retry_job",
]


def work_permissions(*codenames: str) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label="sync", codename__in=codenames))


@pytest.fixture
def staff(django_user_model):
    """A staff member who may start every kind of work."""
    # No password: hashing one costs a quarter second, and force_login and tokens need none.
    user = django_user_model.objects.create_user("admin", is_staff=True)
    user.user_permissions.add(*work_permissions(*WORK))
    return user


@pytest.fixture
def api(client, staff):
    """A staff member's session."""
    client.force_login(staff)
    return client


@pytest.fixture
def token(staff):
    return Token.objects.create(user=staff).key


def jobs(kind: str) -> list[tuple[str, str]]:
    return list(SyncJob.objects.filter(kind=kind).values_list("record_id", "status"))


# ============================================================================================
# Who may call
# ============================================================================================
ENDPOINTS = ["/api/accounts/", "/api/opportunities/", "/api/jobs/", "/api/log/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_callers_are_refused(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert "credentials were not provided" in response.json()["detail"]


@pytest.mark.django_db
def test_anonymous_and_bad_token_cannot_start_work(client):
    account = AccountFactory()
    SyncJob.objects.all().delete()
    url = f"/api/accounts/{account.salesforce_id}/sync/"

    assert client.post(url).status_code == 401
    assert client.post(url, headers={"Authorization": "Token not-a-token"}).status_code == 401
    assert not SyncJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_non_staff_users_are_forbidden(client, django_user_model, url):
    user = django_user_model.objects.create_user("clerk")
    by_token = client.get(
        url, headers={"Authorization": f"Token {Token.objects.create(user=user)}"}
    )
    client.force_login(user)
    by_session = client.get(url)

    assert (by_token.status_code, by_session.status_code) == (403, 403)


@pytest.mark.django_db
def test_non_staff_users_cannot_start_work(client, django_user_model):
    account = AccountFactory()
    SyncJob.objects.all().delete()
    client.force_login(django_user_model.objects.create_user("clerk"))

    assert client.post(f"/api/accounts/{account.salesforce_id}/sync/").status_code == 403
    assert not SyncJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_staff_may_call_with_a_token(client, token, url):
    response = client.get(url, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_staff_may_call_with_a_session(api, url):
    assert api.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_may_start_work_with_a_token(client, token):
    account = AccountFactory()
    response = client.post(
        f"/api/accounts/{account.salesforce_id}/sync/", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 202
    assert jobs("account_link_or_push") == [(account.salesforce_id, "pending")]


# ============================================================================================
# Reading
# ============================================================================================
@pytest.mark.django_db
def test_accounts_are_listed_and_retrieved_by_salesforce_id(api):
    acme = AccountFactory(name="Acme", netsuite_id="100")
    globex = AccountFactory(name="Globex")

    listed = api.get("/api/accounts/").json()
    one = api.get(f"/api/accounts/{acme.salesforce_id}/")

    assert listed["count"] == 2
    assert [a["salesforce_id"] for a in listed["results"]] == [
        acme.salesforce_id,
        globex.salesforce_id,
    ]
    assert one.status_code == 200
    assert one.json() == {
        "salesforce_id": acme.salesforce_id,
        "name": "Acme",
        "netsuite_id": "100",
        "fields": {"Id": acme.salesforce_id, "Name": "Acme", "Phone": "+1 555 0100"},
        "last_modified": None,
        "last_synced_at": None,
        "last_sync_error": "",
    }


@pytest.mark.django_db
def test_opportunities_are_listed_and_retrieved_by_salesforce_id(api):
    deal = OpportunityFactory(name="Deal", stage="Closed Won", amount="1200.50")

    listed = api.get("/api/opportunities/").json()
    one = api.get(f"/api/opportunities/{deal.salesforce_id}/").json()

    assert [o["salesforce_id"] for o in listed["results"]] == [deal.salesforce_id]
    assert one == {
        "salesforce_id": deal.salesforce_id,
        "account": deal.account.salesforce_id,
        "name": "Deal",
        "stage": "Closed Won",
        "amount": "1200.50",
        "netsuite_estimate_id": "",
        "netsuite_sales_order_id": "",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/api/accounts/{UNKNOWN}/"),
        ("get", f"/api/accounts/{UNKNOWN}/preview/"),
        ("post", f"/api/accounts/{UNKNOWN}/sync/"),
        ("post", f"/api/accounts/{UNKNOWN}/update-from-netsuite/"),
        ("get", "/api/opportunities/006999999999999AAA/"),
        ("post", "/api/opportunities/006999999999999AAA/sales-order/"),
        ("post", "/api/opportunities/006999999999999AAA/quote/"),
        ("get", "/api/jobs/999999/"),
        ("post", "/api/jobs/999999/retry/"),
        ("get", "/api/log/999999/"),
    ],
)
def test_unknown_ids_are_not_found(api, method, url, integration_settings):
    integration_settings(salesforce_edition="Enterprise Edition")
    response = getattr(api, method)(url)
    assert response.status_code == 404
    assert not SyncJob.objects.exists()


@pytest.mark.django_db
def test_preview_returns_exactly_what_a_push_would_send(api, field_mappings):
    name = "Acme " + "x" * 100
    account = AccountFactory(
        name=name,
        netsuite_id="100",
        fields={"Phone": "+1 415 555 0100", "Website": "https://acme.example", "Fax": "1"},
    )

    response = api.get(f"/api/accounts/{account.salesforce_id}/preview/")

    assert response.status_code == 200
    assert response.json() == {
        "netsuite_id": "100",
        "payload": {
            "companyName": name[:83],
            "phone": "+1 415 555 0100",
            "url": "https://acme.example",
        },
    }


@pytest.mark.django_db
def test_log_is_filtered_by_outcome_and_operation(api):
    LogEntry.objects.all().delete()
    LogEntryFactory(outcome="success")
    failed = LogEntryFactory(outcome="error", reason="boom")
    LogEntryFactory(operation="account_link", outcome="skipped")
    other = LogEntryFactory(operation="account_link", outcome="error", reason="bad")

    errors = api.get("/api/log/?outcome=error").json()
    pushes = api.get("/api/log/?outcome=error&operation=account_push").json()

    assert errors["count"] == 2
    assert {e["id"] for e in errors["results"]} == {failed.pk, other.pk}
    assert [(e["id"], e["reason"]) for e in pushes["results"]] == [(failed.pk, "boom")]
    assert api.get("/api/log/").json()["count"] == 4
    assert api.get(f"/api/log/{failed.pk}/").json()["outcome"] == "error"


# ============================================================================================
# Asking for work: 202 with the job, 409 with the reason
# ============================================================================================
@pytest.mark.django_db
def test_sync_answers_202_with_the_queued_job(api):
    account = AccountFactory()
    SyncJob.objects.all().delete()

    response = api.post(f"/api/accounts/{account.salesforce_id}/sync/")

    assert response.status_code == 202
    job = SyncJob.objects.get()
    assert response.json()["id"] == job.pk
    assert response.json()["kind"] == "account_link_or_push"
    assert response.json()["record_id"] == account.salesforce_id
    assert response.json()["status"] == "pending"


@pytest.mark.django_db
def test_update_from_netsuite_is_refused_for_an_unlinked_account(api, integration_settings):
    integration_settings(salesforce_edition="Enterprise Edition")
    account = AccountFactory()

    response = api.post(f"/api/accounts/{account.salesforce_id}/update-from-netsuite/")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Account {account.salesforce_id} is not linked to a NetSuite customer yet: there is "
        "nothing to update from."
    )
    assert jobs("account_update_from_netsuite") == []


@pytest.mark.django_db
def test_update_from_netsuite_answers_503_when_salesforce_cannot_be_reached(api, settings):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        settings.SALESFORCE_LOGIN_URL = f"https://127.0.0.1:{sock.getsockname()[1]}"
    account = AccountFactory(netsuite_id="100")  # edition unknown: SFNS must ask Salesforce

    response = api.post(f"/api/accounts/{account.salesforce_id}/update-from-netsuite/")

    assert response.status_code == 503
    assert "Salesforce token request" in response.json()["detail"]
    assert jobs("account_update_from_netsuite") == []


@pytest.mark.django_db
@pytest.mark.parametrize("refused", ["Professional Edition", "Essentials Edition"])
def test_update_from_netsuite_is_refused_below_enterprise_edition(
    api, refused, integration_settings
):
    integration_settings(salesforce_edition=refused)
    account = AccountFactory(netsuite_id="100")

    response = api.post(f"/api/accounts/{account.salesforce_id}/update-from-netsuite/")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Update from NetSuite needs Salesforce Enterprise Edition or higher; this org is "
        f"{refused}."
    )
    assert jobs("account_update_from_netsuite") == []


@pytest.mark.django_db
def test_update_from_netsuite_is_queued_when_allowed(api, integration_settings):
    integration_settings(salesforce_edition="Unlimited Edition")
    account = AccountFactory(netsuite_id="100")

    response = api.post(f"/api/accounts/{account.salesforce_id}/update-from-netsuite/")

    assert response.status_code == 202
    assert response.json()["kind"] == "account_update_from_netsuite"
    assert jobs("account_update_from_netsuite") == [(account.salesforce_id, "pending")]


@pytest.mark.django_db
def test_sales_order_is_refused_for_an_unlinked_account_without_the_setting(
    api, integration_settings
):
    integration_settings(sync_account_on_sales_order=False)
    deal = OpportunityFactory()

    response = api.post(f"/api/opportunities/{deal.salesforce_id}/sales-order/")

    assert response.status_code == 409
    assert (
        "is not linked to a NetSuite customer and 'Sync Account on Sales Order' is off"
        in (response.json()["detail"])
    )
    assert jobs("opportunity_sales_order") == []


@pytest.mark.django_db
@pytest.mark.parametrize(("setting", "linked"), [(True, False), (False, True)])
def test_sales_order_is_queued_when_allowed(api, integration_settings, setting, linked):
    integration_settings(sync_account_on_sales_order=setting)
    deal = OpportunityFactory(account=AccountFactory(netsuite_id="100" if linked else ""))

    response = api.post(f"/api/opportunities/{deal.salesforce_id}/sales-order/")

    assert response.status_code == 202
    assert jobs("opportunity_sales_order") == [(deal.salesforce_id, "pending")]


@pytest.mark.django_db
def test_quote_is_queued(api):
    deal = OpportunityFactory()
    response = api.post(f"/api/opportunities/{deal.salesforce_id}/quote/")
    assert response.status_code == 202
    assert jobs("opportunity_quote") == [(deal.salesforce_id, "pending")]


@pytest.mark.django_db
@pytest.mark.parametrize("job_status", ["pending", "running", "done", "superseded"])
def test_only_a_failed_job_can_be_retried(api, job_status):
    job = SyncJobFactory(record_id=UNKNOWN, status=job_status)

    response = api.post(f"/api/jobs/{job.pk}/retry/")

    assert response.status_code == 409
    assert response.json()["detail"] == f"job {job.pk} is {job_status}, not failed"
    assert SyncJob.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_job_is_retried_as_a_fresh_job(api):
    failed = SyncJobFactory(
        record_id=UNKNOWN,
        status="failed",
        attempts=8,
        last_error="NetSuite said no",
    )

    response = api.post(f"/api/jobs/{failed.pk}/retry/")

    assert response.status_code == 202
    fresh = SyncJob.objects.get(status="pending")
    assert response.json()["id"] == fresh.pk != failed.pk
    assert (fresh.kind, fresh.record_id, fresh.attempts) == ("account_push", UNKNOWN, 0)
    failed.refresh_from_db()
    assert failed.status == "failed"  # the history stays
    assert [j["id"] for j in api.get("/api/jobs/?status=failed").json()["results"]] == [failed.pk]


# ============================================================================================
# The queued work really happens (jobs run when the request's transaction commits)
# ============================================================================================
@pytest.mark.django_db(transaction=True)
def test_sync_through_the_api_creates_and_links_the_customer(
    netsuite, field_mappings, django_user_model
):
    from django.test import Client

    ops = django_user_model.objects.create_user("ops", is_staff=True)
    ops.user_permissions.add(*work_permissions("sync_account"))
    token = Token.objects.create(user=ops)
    account = AccountFactory(name="Acme", fields={"Phone": "+1 555 0100"})

    response = Client().post(
        f"/api/accounts/{account.salesforce_id}/sync/",
        headers={"Authorization": f"Token {token.key}"},
    )

    assert response.status_code == 202
    assert SyncJob.objects.get(pk=response.json()["id"]).status == "done"
    account.refresh_from_db()
    assert account.netsuite_id
    customer = netsuite.record("customer", account.netsuite_id)
    assert customer["companyName"] == "Acme"
    assert customer["phone"] == "+1 555 0100"
    assert customer["externalId"] == account.salesforce_id
    assert customer["custentity_sfns_salesforce_id"] == account.salesforce_id
    link = LogEntry.objects.get(operation="account_link")
    assert (link.outcome, link.reason) == ("success", "customer created")
    assert Account.objects.get(pk=account.pk).last_synced_at is not None
