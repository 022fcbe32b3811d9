"""
Push: the gates in the product's order (Create Only, the link, no change, the lock), saving an
Account, the preview, sublists.
Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import pytest

from accounts.models import Customer
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync import selectors
from sync.models import FieldMapping, JobKind, SyncJob
from sync.services import (
    push,
)

from ..factories import AccountFactory
from .helpers import (
    LOCK_FIELD,
    customers,
    only_log,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_only_skips_the_push_of_a_linked_account(linked, netsuite, integration_settings):
    integration_settings(create_only=True)

    linked.name = "Acme Renamed"
    linked.save()

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "create only")
    assert netsuite.stats()["calls"] == {}
    assert netsuite.record("customer", "100")["companyName"] == "Acme"
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()


def test_create_only_is_checked_before_the_link(netsuite, field_mappings, integration_settings):
    integration_settings(create_only=True)

    AccountFactory(name="New Co")

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "create only")


def test_create_only_also_stops_a_push_job_queued_before_it_was_turned_on(
    linked, netsuite, integration_settings
):
    integration_settings(create_only=True)
    linked.name = "Acme Renamed"  # as a queued job would find it

    assert push.account_push_to_netsuite(account=linked) == "skipped"

    assert only_log("account_push").reason == "create only"
    assert netsuite.stats()["calls"] == {}


def test_unlinked_account_is_skipped_as_not_linked_without_calling_netsuite(
    netsuite, field_mappings
):
    account = AccountFactory(name="New Co")
    account.name = "New Co Ltd"
    account.save()

    entries = LogEntry.objects.filter(operation="account_push")
    assert [(e.outcome, e.reason) for e in entries] == [("skipped", "not linked")] * 2
    assert netsuite.stats()["calls"] == {}
    assert customers(netsuite) == {}
    assert not LogEntry.objects.filter(outcome="error").exists()


def test_customer_locked_in_netsuite_just_before_the_change_is_not_updated(linked, netsuite):
    assert IntegrationSettings.load().check_lock_before_push is True  # the default
    netsuite.edit(type="customer", id="100", fields={LOCK_FIELD: True})  # SFNS was not told
    before = netsuite.record("customer", "100")

    linked.name = "Acme Renamed"
    linked.save()

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "locked in NetSuite")
    assert netsuite.record("customer", "100") == before
    assert netsuite.stats()["calls"] == {"record_item": 1}  # the lock read, no PATCH
    assert Customer.objects.get(netsuite_id="100").locked is True
    assert SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH).status == "done"
    linked.refresh_from_db()
    assert linked.last_sync_error == ""


def test_unlocked_customer_is_updated_after_the_lock_read(linked, netsuite):
    linked.name = "Acme Renamed"
    linked.save()

    assert only_log("account_push").outcome == "success"
    assert netsuite.record("customer", "100")["companyName"] == "Acme Renamed"
    assert netsuite.stats()["calls"] == {"record_item": 2}  # GET the lock, then PATCH


def test_with_lock_check_off_the_mirror_lock_is_used_without_asking_netsuite(
    linked, netsuite, integration_settings
):
    integration_settings(check_lock_before_push=False)
    Customer.objects.filter(netsuite_id="100").update(locked=True)

    linked.name = "Acme Renamed"
    linked.save()

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "locked in NetSuite")
    assert netsuite.stats()["calls"] == {}
    assert netsuite.record("customer", "100")["companyName"] == "Acme"


def test_with_lock_check_off_the_push_makes_no_lock_read(linked, netsuite, integration_settings):
    integration_settings(check_lock_before_push=False)
    netsuite.edit(type="customer", id="100", fields={LOCK_FIELD: True})  # the mirror says unlocked

    linked.name = "Acme Renamed"
    linked.save()

    assert only_log("account_push").outcome == "success"
    assert netsuite.stats()["calls"] == {"record_item": 1}  # the PATCH only: no lock GET
    assert netsuite.record("customer", "100")["companyName"] == "Acme Renamed"


def test_unchanged_payload_is_skipped_without_calling_netsuite(linked, netsuite):
    assert push.account_push_to_netsuite(account=linked) == "skipped"

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "no change since the last sync")
    assert entry.request == selectors.account_outbound_payload(linked)
    assert netsuite.stats()["calls"] == {}


@pytest.mark.parametrize(
    ("change", "netsuite_field", "expected"),
    [
        ({"name": "Acme Renamed"}, "companyName", "Acme Renamed"),
        ({"fields": {"Phone": "+1 415 555 0199"}}, "phone", "+1 415 555 0199"),
    ],
)
def test_saving_a_change_to_a_mapped_field_pushes_it(
    linked, netsuite, change, netsuite_field, expected
):
    if "name" in change:
        linked.name = change["name"]
    else:
        linked.fields = {**linked.fields, **change["fields"]}
    linked.save()

    job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert (job.status, job.attempts) == ("done", 1)
    assert netsuite.record("customer", "100")[netsuite_field] == expected


def test_saving_a_change_to_an_unmapped_field_enqueues_nothing(linked, netsuite):
    linked.fields = {**linked.fields, "Industry": "Banking"}
    linked.save()

    assert not SyncJob.objects.exists()
    assert not LogEntry.objects.exists()
    assert netsuite.stats()["calls"] == {}


def test_a_broken_mapping_fails_the_push_with_its_error_but_saving_still_works(
    linked, netsuite, client
):
    FieldMapping.objects.create(
        direction="sf_to_ns",
        source="Name",
        target="comments",
        transform="truncate",
        argument="ten",
    )
    linked.name = "Acme Renamed"
    linked.save()  # no exception: the webhook or admin save that caused it succeeds

    job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert job.status == "failed" and job.attempts == 1
    entry = LogEntry.objects.get(operation="account_push", outcome="error")
    assert "field mappings cannot be applied" in entry.reason
    assert "comments: truncate needs a length" in entry.reason
    linked.refresh_from_db()
    assert "truncate needs a length" in linked.last_sync_error
    assert netsuite.record("customer", "100")["companyName"] == "Acme"  # nothing sent


def test_preview_is_exactly_what_the_next_push_sends_with_every_transform(linked, netsuite):
    FieldMapping.objects.filter(target="url").update(
        transform="default", argument="https://no-website.example"
    )
    FieldMapping.objects.bulk_create(
        [
            FieldMapping(
                direction="sf_to_ns",
                target="comments",
                transform="static",
                argument="Managed in Salesforce",
            ),
            FieldMapping(
                direction="sf_to_ns",
                source="Type",
                target="category.id",
                transform="lookup",
                argument={"Customer - Direct": "3", "*": "9"},
            ),
            FieldMapping(
                direction="sf_to_ns",
                target="entityId",
                transform="template",
                argument="SF-{AccountNumber}",
            ),
        ]
    )
    linked.name = "N" * 100
    linked.fields = {
        **linked.fields,
        "Phone": "+1 555 0123",
        "Type": "Customer - Direct",
        "AccountNumber": "A-77",
    }

    preview = selectors.account_outbound_payload(linked)
    assert preview == {
        "companyName": "N" * 83,
        "phone": "+1 555 0123",
        "url": "https://no-website.example",
        "comments": "Managed in Salesforce",
        "category": {"id": "3"},
        "entityId": "SF-A-77",
    }
    linked.save()

    entry = only_log("account_push")
    assert entry.outcome == "success"
    assert (entry.request["method"], entry.request["body"]) == ("PATCH", preview)
    customer = netsuite.record("customer", "100")
    assert {k: customer.get(k) for k in preview} == preview

    linked.fields = {**linked.fields, "Type": "Prospect", "Website": "https://acme.example"}
    linked.save()

    customer = netsuite.record("customer", "100")
    assert customer["category"] == {"id": "9"}  # the lookup's "*" fallback
    assert customer["url"] == "https://acme.example"
