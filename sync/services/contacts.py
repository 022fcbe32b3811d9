"""
Contacts follow their Account: a Salesforce Contact of a linked Account is a NetSuite contact
attached to its customer (company), created by its external id (the Contact's id, so a retry
never makes a second one) and kept current in real time; the Account's Contacts follow it when
it is linked; a Contact moved to another Account moves to that customer. The rules of a push
apply: Create Only stops updates, the customer's lock stops every write, an unchanged contact
is skipped. Each attempt is a log entry under the Contact's id; its outcome stays on it and
goes to the Contact's NetSuite Id and NetSuite Sync in Salesforce with the write-back.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Account, Contact, Customer
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import rules
from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from ..errors import SyncRefused
from ..mapping import MappingError, diff, map_record
from ..models import JobKind, MappingDirection, SyncJob
from ..outbox import jobs_enqueue
from ..selectors import mapping_rules
from .attempts import Attempt, status_changes, writeback_soon
from .push import customer_read


def contact_payload(contact: Contact, rules_: list | None = None) -> dict[str, Any]:
    """
    What NetSuite's contact gets: the mapped fields, and its company (the customer). rules_:
    the Contact mapping, when the caller maps many Contacts.
    """
    source = {**contact.fields, "Id": contact.salesforce_id}
    if rules_ is None:
        rules_ = mapping_rules(MappingDirection.CONTACT_TO_NETSUITE)
    try:
        payload = map_record(source, rules_)
    except MappingError as exc:
        raise SyncRefused(rules.mapping_refusal(error=str(exc))) from exc
    account = contact.account
    if account is not None and account.netsuite_id:
        payload["company"] = {"id": account.netsuite_id}
    return payload


def contacts_queue_pushes(*, contacts: list[Contact]) -> None:
    """
    Push jobs for the Contacts whose Account is linked (the others wait for its link) and
    whose NetSuite values changed: a Salesforce edit to a field no mapping reads queues none.
    """
    rules_ = mapping_rules(MappingDirection.CONTACT_TO_NETSUITE)
    record_ids = [
        c.salesforce_id
        for c in contacts
        if c.account and c.account.netsuite_id and _changed(c, rules_)
    ]
    if record_ids:
        jobs_enqueue(kind=JobKind.CONTACT_PUSH, record_ids=record_ids)


def _changed(contact: Contact, rules_: list) -> bool:
    try:
        return contact_payload(contact, rules_) != contact.pushed_payload
    except SyncRefused:  # the push logs why, on the Contact too
        return True


def account_contacts_follow(*, account: Account) -> None:
    """An Account just linked: its Contacts follow it to NetSuite."""
    contacts_queue_pushes(contacts=list(account.contacts.select_related("account")))


def _locked(client: NetSuiteClient, conf: IntegrationSettings, netsuite_id: str) -> bool:
    """The customer's Salesforce Lock Record box, read now or as the NetSuite webhook told."""
    if not conf.check_lock_before_push:
        return Customer.objects.filter(netsuite_id=netsuite_id, locked=True).exists()
    return customer_read(client=client, conf=conf, netsuite_id=netsuite_id, with_lines=False)[0]


def contact_push_to_netsuite(*, contact: Contact, job: SyncJob | None = None) -> str:
    """Create or update the Contact's NetSuite contact, if the rules allow."""
    attempt = Attempt(
        Operation.CONTACT_PUSH,
        Direction.TO_NETSUITE,
        job=job,
        salesforce_id=contact.salesforce_id,
        netsuite_id=contact.netsuite_id,
    )
    try:
        payload = contact_payload(contact)
    except SyncRefused as exc:
        attempt.log(Outcome.ERROR, exc.message)
        _remember(contact, error=exc.message)
        raise
    conf = IntegrationSettings.load()
    account = contact.account
    decision = rules.precheck_contact(
        has_account=account is not None,
        account_linked=bool(account and account.netsuite_id),
        create_only=conf.create_only,
        new=not contact.netsuite_id,
        unchanged=payload == contact.pushed_payload,
    )
    client = NetSuiteClient()
    try:
        if decision.push:
            with client.one_slot():
                decision = rules.lock_check(locked=_locked(client, conf, account.netsuite_id))
                if decision.push:
                    netsuite_id = client.upsert("contact", contact.salesforce_id, payload)
    except ClientError as exc:
        if not attempt.error(exc, client=client):
            _remember(contact, error=exc.message)
        raise
    if not decision.push:
        attempt.log(Outcome.SKIPPED, decision.reason)
        return Outcome.SKIPPED
    attempt.netsuite_id = netsuite_id
    attempt.log(Outcome.SUCCESS, client=client, diff=diff(contact.pushed_payload or {}, payload))
    _remember(contact, netsuite_id=netsuite_id, pushed=payload)
    return Outcome.SUCCESS


def _remember(
    contact: Contact, *, error: str = "", netsuite_id: str = "", pushed: dict | None = None
) -> None:
    """The attempt's outcome on the Contact: its NetSuite id and payload, or its error."""
    changes = status_changes(now=timezone.now(), error=error)
    if not error:
        changes.update(netsuite_id=netsuite_id, pushed_payload=pushed)
    Contact.objects.filter(pk=contact.pk).update(**changes)
    writeback_soon()
