"""
Link: find or create the NetSuite customer of an Account (parents first) and record the
NetSuite id on both sides. The Salesforce id is the customer's external id, so a retry finds
the same customer and never makes a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.models import Account, Customer
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import address_book, rules
from ..clients.errors import ClientError, NotFound
from ..clients.netsuite import NetSuiteClient
from ..errors import SyncRefused
from ..mapping import sublists
from ..models import JobKind, SyncJob
from ..outbox import job_enqueue
from ..selectors import account_outbound_payload
from .address_lines import customer_write, lines_learnt
from .attempts import Attempt, account_record_attempt
from .contacts import account_contacts_follow
from .match import Found, customer_for_link
from .parents import MAX_PARENT_DEPTH, chain_too_deep_skip, children_push
from .push import account_push_to_netsuite


@dataclass(frozen=True)
class _Linked:
    netsuite_id: str
    locked: bool
    sent: bool  # whether NetSuite now holds the Account's mapped values
    reason: str
    address_lines: tuple = ()  # SFNS's address lines as sent, with the ids NetSuite gave them


def _customer_payload(account: Account, conf: IntegrationSettings) -> dict[str, Any]:
    """What a new customer gets: the mapped fields that have a value, and the link fields."""
    return {
        **{k: v for k, v in account_outbound_payload(account).items() if v is not None},
        "externalId": account.salesforce_id,
        conf.netsuite_salesforce_id_field: account.salesforce_id,
    }


def _with_creation_defaults(payload: dict[str, Any], conf: IntegrationSettings) -> dict[str, Any]:
    """
    A new customer's subsidiary, currency and additional currencies from the settings, where
    the mapping gives none. Only at creation: NetSuite refuses a new subsidiary on a customer
    with transactions, and an existing customer's are its own.
    """
    defaults: dict[str, Any] = {}
    if conf.netsuite_default_subsidiary_id:
        defaults["subsidiary"] = {"id": conf.netsuite_default_subsidiary_id}
    if conf.netsuite_default_currency_id:
        defaults["currency"] = {"id": conf.netsuite_default_currency_id}
    if currencies := conf.netsuite_additional_currencies():
        defaults["currencyList"] = {"items": [{"currency": {"id": c}} for c in currencies]}
    return {**defaults, **payload}


def _find_or_create(
    client: NetSuiteClient, account: Account, payload: dict[str, Any], conf: IntegrationSettings
) -> _Linked:
    """
    The customer with the Account's external id; else the one an admin chose or the matching
    rules found; else a new one. An existing customer gets the values as the rules allow.
    """
    try:
        existing = client.get(
            "customer", f"eid:{account.salesforce_id}", fields=[conf.netsuite_lock_field]
        )
    except NotFound:
        found = customer_for_link(client=client, account=account, conf=conf)
    else:
        found = Found(str(existing["id"]), bool(existing.get(conf.netsuite_lock_field)), "")
    if found is None:
        new = _with_creation_defaults(payload, conf)
        # A new customer's address book is SFNS's alone: replaced, so two links racing to
        # create it leave one set of lines.
        replace = {*sublists(new), *([address_book.SUBLIST] if address_book.lines(new) else [])}
        netsuite_id = client.upsert("customer", account.salesforce_id, new, replace=replace)
        chosen = account.link_choice == Account.LINK_NEW
        reason = rules.CUSTOMER_CREATED_AS_CHOSEN if chosen else rules.CUSTOMER_CREATED
        return _Linked(
            netsuite_id,
            locked=False,
            sent=True,
            reason=reason,
            address_lines=_lines_learnt(client, netsuite_id, payload),
        )
    decision = rules.link_existing(locked=found.locked, create_only=conf.create_only)
    lines: tuple = ()
    if decision.push:
        # SFNS's address lines take over its default lines; its other lines stay.
        sent = customer_write(
            client=client, netsuite_id=found.netsuite_id, payload=payload, pushed=None
        )
        lines = tuple(address_book.lines(sent))
    elif found.how:  # found without our external id: the link fields at least, never values
        link_fields = {k: payload[k] for k in ("externalId", conf.netsuite_salesforce_id_field)}
        client.update("customer", found.netsuite_id, link_fields)
    reason = f"{decision.reason}, {found.how}" if found.how else decision.reason
    return _Linked(
        found.netsuite_id,
        locked=found.locked,
        sent=decision.push,
        reason=reason,
        address_lines=lines,
    )


def _lines_learnt(client: NetSuiteClient, netsuite_id: str, payload: dict[str, Any]) -> tuple:
    return tuple(
        address_book.lines(lines_learnt(client=client, netsuite_id=netsuite_id, payload=payload))
    )


def _remember_link(account: Account, linked: _Linked, payload: dict[str, Any]) -> None:
    """Record the link here; queue its write-back and a push of any edit made meanwhile."""

    def as_sent(values: Account) -> dict[str, Any]:
        sent = address_book.with_line_ids(
            account_outbound_payload(values),
            {address_book.SUBLIST: {"items": list(linked.address_lines)}},
        )
        return {**sent, "parent": payload["parent"]} if "parent" in payload else sent

    # What NetSuite now holds, so the next push sends only real changes; nothing when the
    # existing customer was linked without an update.
    sent_payload = as_sent(account) if linked.sent else None
    Account.objects.filter(pk=account.pk).update(
        netsuite_id=linked.netsuite_id, pushed_payload=sent_payload, link_choice=""
    )
    # An edit saved while the customer was being created was skipped as "not linked": now
    # that the link exists, push it; and the linked children, whose parent is known now.
    if linked.sent and as_sent(Account.objects.get(pk=account.pk)) != sent_payload:
        job_enqueue(kind=JobKind.ACCOUNT_PUSH, record_id=account.salesforce_id)
    children_push(parent=account)
    account_contacts_follow(account=account)
    Customer.objects.update_or_create(
        netsuite_id=linked.netsuite_id,
        defaults={
            "salesforce_id": account.salesforce_id,
            "locked": linked.locked,
            "company_name": payload.get("companyName") or account.name,
        },
    )
    account.netsuite_id = linked.netsuite_id
    account_record_attempt(account=account)


def account_link(
    *,
    account: Account,
    job: SyncJob | None = None,
    client: NetSuiteClient | None = None,
    depth: int = 0,
) -> str:
    """
    The NetSuite customer id of this Account, found or created and linked if need be, parents
    first (up to MAX_PARENT_DEPTH levels). Create Only never blocks a creation.
    """
    account.refresh_from_db()
    if account.netsuite_id:
        return account.netsuite_id
    conf = IntegrationSettings.load()
    client = client or NetSuiteClient()
    attempt = Attempt(
        Operation.ACCOUNT_LINK,
        Direction.TO_NETSUITE,
        job=job,
        salesforce_id=account.salesforce_id,
    )
    try:
        payload = _customer_payload(account, conf)
    except SyncRefused as exc:
        attempt.error(exc, account=account)
        raise
    if account.parent_id and depth < MAX_PARENT_DEPTH:
        parent_id = account_link(account=account.parent, job=job, client=client, depth=depth + 1)
        payload["parent"] = {"id": parent_id}
    elif account.parent_id:
        chain_too_deep_skip(account=account, operation=Operation.ACCOUNT_LINK)
    try:
        linked = _find_or_create(client, account, payload, conf)
    except ClientError as exc:
        attempt.error(exc, client=client, account=account)
        raise
    attempt.netsuite_id = linked.netsuite_id
    attempt.log(Outcome.SUCCESS, linked.reason, client=client)
    _remember_link(account, linked, payload)
    return linked.netsuite_id


def account_link_or_push(*, account: Account, job: SyncJob | None = None) -> str:
    """The admin's "Sync to NetSuite": link when unlinked, else push now even if unchanged."""
    if not account.is_linked:
        account_link(account=account, job=job)
        return Outcome.SUCCESS
    return account_push_to_netsuite(account=account, job=job, force=True)


@transaction.atomic
def account_request_link_or_push(*, account: Account) -> SyncJob:
    return job_enqueue(kind=JobKind.ACCOUNT_LINK_OR_PUSH, record_id=account.salesforce_id)


@transaction.atomic
def account_request_link_choice(*, account: Account, netsuite_id: str = "") -> SyncJob:
    """
    An admin's answer to an ambiguous match: link this customer (netsuite_id), or, without
    one, create a new customer. The link job then follows the choice.
    """
    if account.is_linked:
        raise SyncRefused(
            rules.already_linked_refusal(
                salesforce_id=account.salesforce_id, netsuite_id=account.netsuite_id
            )
        )
    choice = netsuite_id or Account.LINK_NEW
    Account.objects.filter(pk=account.pk).update(link_choice=choice)
    account.link_choice = choice
    return job_enqueue(kind=JobKind.ACCOUNT_LINK_OR_PUSH, record_id=account.salesforce_id)
