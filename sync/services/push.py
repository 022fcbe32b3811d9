"""
Push: an Account's current mapped values to its linked NetSuite customer, after the checks the
sync rules name (Create Only, the link, no change, the lock). Saving an Account queues one.
"""

from __future__ import annotations

from accounts.models import Account, Customer
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import rules
from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from ..errors import SyncRefused
from ..mapping import diff, payload_hash, sublists
from ..models import JobKind, SyncJob
from ..outbox import job_enqueue
from ..selectors import account_outbound_payload
from .attempts import Attempt, account_record_attempt


def account_saved(*, account: Account) -> None:
    """
    An Account was saved (from a webhook, the API, the admin...). Only a change to what it maps
    to in NetSuite matters: skips that need no NetSuite call are logged now, anything else
    becomes a push job.
    """
    try:
        mapped_hash = payload_hash(account_outbound_payload(account))
    except SyncRefused:
        # A broken mapping must not break saving an Account: the push job fails with the
        # mapping's error in the log, where an admin sees it.
        mapped_hash = ""
    if mapped_hash and mapped_hash == account.mapped_hash:
        return
    Account.objects.filter(pk=account.pk).update(mapped_hash=mapped_hash)
    account.mapped_hash = mapped_hash
    conf = IntegrationSettings.load()
    decision = rules.precheck_push(
        create_only=conf.create_only, linked=account.is_linked, unchanged=False
    )
    if decision.push:
        job_enqueue(kind=JobKind.ACCOUNT_PUSH, record_id=account.salesforce_id)
    else:
        Attempt(
            Operation.ACCOUNT_PUSH,
            Direction.TO_NETSUITE,
            salesforce_id=account.salesforce_id,
            netsuite_id=account.netsuite_id,
        ).log(Outcome.SKIPPED, decision.reason)


def customer_is_locked(
    *, client: NetSuiteClient, netsuite_id: str, conf: IntegrationSettings
) -> bool:
    """The lock as NetSuite has it now (one GET), or as the NetSuite webhook last told us."""
    if not conf.check_lock_before_push:
        return Customer.objects.filter(netsuite_id=netsuite_id, locked=True).exists()
    fields = client.get("customer", netsuite_id, fields=[conf.netsuite_lock_field])
    locked = bool(fields.get(conf.netsuite_lock_field))
    Customer.objects.filter(netsuite_id=netsuite_id).update(locked=locked)
    return locked


def account_push_to_netsuite(
    *, account: Account, job: SyncJob | None = None, force: bool = False
) -> str:
    """Push the Account's current mapped state to its NetSuite customer, if the rules allow."""
    conf = IntegrationSettings.load()
    attempt = Attempt(
        Operation.ACCOUNT_PUSH,
        Direction.TO_NETSUITE,
        job=job,
        salesforce_id=account.salesforce_id,
        netsuite_id=account.netsuite_id,
    )
    try:
        payload = account_outbound_payload(account)
    except SyncRefused as exc:
        attempt.error(exc, account=account)
        raise
    decision = rules.precheck_push(
        create_only=conf.create_only,
        linked=account.is_linked,
        unchanged=payload == account.pushed_payload,
        force=force,
    )
    if not decision.push:
        attempt.log(Outcome.SKIPPED, decision.reason, request=payload)
        return Outcome.SKIPPED
    client = NetSuiteClient()
    try:
        decision = rules.lock_check(
            locked=customer_is_locked(client=client, netsuite_id=account.netsuite_id, conf=conf)
        )
        if decision.push:
            client.update("customer", account.netsuite_id, payload, replace=sublists(payload))
    except ClientError as exc:
        attempt.error(exc, client=client, account=account)
        raise
    if not decision.push:
        attempt.log(Outcome.SKIPPED, decision.reason, request=payload)
        return Outcome.SKIPPED
    attempt.log(Outcome.SUCCESS, client=client, diff=diff(account.pushed_payload or {}, payload))
    Account.objects.filter(pk=account.pk).update(pushed_payload=payload)
    account_record_attempt(account=account)
    return Outcome.SUCCESS
