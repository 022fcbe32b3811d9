"""
Update from NetSuite: read the customer, write its financials and reverse-mapped fields onto
the Account, here and in Salesforce. Needs Salesforce Enterprise Edition or higher, so the
org's edition is known here too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import customer_upsert_from_netsuite
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import address_book, rules
from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from ..clients.salesforce import SalesforceClient
from ..errors import SyncRefused
from ..mapping import diff
from ..models import JobKind, MappingDirection, SyncJob
from ..outbox import job_enqueue
from ..selectors import (
    account_mapped_hash,
    account_outbound_payload,
    account_payload_as_pushed,
    customer_inbound_values,
    mapping_rules,
)
from .attempts import Attempt


def salesforce_edition(*, conf: IntegrationSettings, client: SalesforceClient | None = None) -> str:
    """The admin's choice, else what Salesforce says (asked at most once a day)."""
    if conf.salesforce_edition:
        return conf.salesforce_edition
    fresh = timezone.now() - dt.timedelta(days=1)
    if conf.salesforce_edition_detected and (conf.salesforce_edition_detected_at or fresh) > fresh:
        return conf.salesforce_edition_detected
    edition = (client or SalesforceClient()).edition()
    IntegrationSettings.objects.filter(pk=conf.pk).update(
        salesforce_edition_detected=edition, salesforce_edition_detected_at=timezone.now()
    )
    conf.salesforce_edition_detected = edition
    return edition


def update_from_netsuite_refusal(
    *, conf: IntegrationSettings | None = None, account: Account | None = None
) -> str:
    """Why Update from NetSuite cannot run (for this Account), or "" when it can."""
    if account is not None and not account.is_linked:
        return rules.update_from_netsuite_not_linked(salesforce_id=account.salesforce_id)
    edition = salesforce_edition(conf=conf or IntegrationSettings.load())
    return rules.update_from_netsuite_edition_refusal(edition=edition)


def _write_to_salesforce(
    client: SalesforceClient,
    account: Account,
    values: dict[str, Any],
    conf: IntegrationSettings,
    now: dt.datetime,
) -> None:
    """The values, the NetSuite Id and the NetSuite Sync time, in one Salesforce call."""
    client.update(
        "Account",
        account.salesforce_id,
        {
            **values,
            conf.salesforce_netsuite_id_field: account.netsuite_id,
            conf.salesforce_netsuite_sync_field: rules.status_text(
                synced_at_iso=now.isoformat(timespec="seconds"), error=""
            ),
        },
    )


@transaction.atomic
def account_values_from_netsuite(
    account: Account, values: dict[str, Any], now: dt.datetime, *, synced: bool = True
) -> None:
    """
    NetSuite's reverse-mapped values onto the Account, never to be pushed back. synced: this
    was a sync (Update from NetSuite), so the Account's sync time and error are updated too;
    values NetSuite reported on their own leave a failed push's error showing.
    """
    locked = Account.objects.select_for_update().get(pk=account.pk)
    outbound = mapping_rules(MappingDirection.TO_NETSUITE)  # read once for before and after
    try:
        outbound_before = account_payload_as_pushed(locked, outbound)
        locked.fields = {**locked.fields, **values}
        mapped = account_outbound_payload(locked, outbound)
    except SyncRefused:
        # A broken outbound mapping (the next push fails and says so) must not stop the values
        # coming back; there is then nothing to keep from being pushed back either.
        locked.fields = {**locked.fields, **values}
        locked.mapped_hash = ""
    else:
        outbound_after = address_book.with_line_ids(mapped, locked.pushed_payload)
        # NetSuite has these values already: where a reverse-mapped field also maps outbound,
        # the next push must not send it back (no NetSuite -> Salesforce -> NetSuite loop).
        # Other pending changes stay pending.
        locked.pushed_payload = {
            **(locked.pushed_payload or {}),
            **{k: v for k, v in outbound_after.items() if outbound_before.get(k) != v},
        }
        locked.mapped_hash = account_mapped_hash(locked, mapped)
    if synced:
        locked.last_synced_at, locked.last_sync_error = now, ""
    locked.save()


def account_update_from_netsuite(*, account: Account, job: SyncJob | None = None) -> dict:
    """
    Read the customer, apply the reverse mappings (the financials by default), update the
    Account here and in Salesforce with the NetSuite Sync time. Never triggers a push back.
    """
    conf = IntegrationSettings.load()
    attempt = Attempt(
        Operation.ACCOUNT_UPDATE_FROM_NETSUITE,
        Direction.TO_SALESFORCE,
        job=job,
        salesforce_id=account.salesforce_id,
        netsuite_id=account.netsuite_id,
    )
    refusal = update_from_netsuite_refusal(conf=conf, account=account)
    if refusal:
        attempt.log(Outcome.ERROR, refusal)
        raise SyncRefused(refusal)
    netsuite, salesforce = NetSuiteClient(), SalesforceClient()
    client: Any = netsuite  # the one whose last exchange a failure logs
    now = timezone.now()
    try:
        customer = netsuite.get("customer", account.netsuite_id)
        values = customer_inbound_values(customer)
        client = salesforce
        _write_to_salesforce(salesforce, account, values, conf, now)
    except ClientError as exc:
        attempt.error(exc, client=client, account=account)
        raise
    customer_upsert_from_netsuite(netsuite_id=account.netsuite_id, fields=customer, conf=conf)
    before = {k: account.fields.get(k) for k in values}
    account_values_from_netsuite(account, values, now)
    attempt.log(
        Outcome.SUCCESS,
        request={"customer": account.netsuite_id},
        response={"values": values},
        diff=diff(before, values),
    )
    return values


def account_request_update_from_netsuite(*, account: Account) -> SyncJob:
    # Checked outside the transaction: the refusal would roll back the edition it detected
    # (so every refused click asked Salesforce again), and no HTTP call holds a transaction.
    refusal = update_from_netsuite_refusal(account=account)
    if refusal:
        raise SyncRefused(refusal)
    with transaction.atomic():
        return job_enqueue(
            kind=JobKind.ACCOUNT_UPDATE_FROM_NETSUITE, record_id=account.salesforce_id
        )
