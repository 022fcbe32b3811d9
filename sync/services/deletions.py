"""
Accounts deleted or merged in Salesforce (found by the reconcile: Salesforce sends no outbound
message for either). A deleted Account is kept here, marked and unlinked, its customer kept
(or made inactive, a setting). A merged Account passes its link to the surviving Account,
unless that one has a customer already: then both customers are reported for a person.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from .attempts import Attempt, account_record_attempt
from .inbound import salesforce_record_fetch

DELETED, MERGED, CONFLICT = "deleted", "merged", "merge conflict"


def account_removed(*, salesforce_id: str, master_id: str = "") -> str:
    """
    Apply a deletion (master_id empty) or a merge into master_id. Returns what happened, or ""
    for an Account SFNS never knew or already handled.
    """
    account = Account.objects.filter(salesforce_id=salesforce_id, deleted_at=None).first()
    if account is None:
        return ""
    netsuite_id = account.netsuite_id
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(
            deleted_at=timezone.now(), netsuite_id="", pushed_payload=None
        )
    if master_id:
        return _merged(account, netsuite_id, master_id)
    conf = IntegrationSettings.load()
    kept = "kept"
    if netsuite_id and conf.deactivate_customer_of_deleted_account:
        kept = _deactivate(account, netsuite_id)
    record(
        operation=Operation.ACCOUNT_DELETED,
        direction=Direction.FROM_SALESFORCE,
        outcome=Outcome.SUCCESS,
        salesforce_id=salesforce_id,
        netsuite_id=netsuite_id,
        reason=(
            f"deleted in Salesforce; unlinked from customer {netsuite_id} ({kept})"
            if netsuite_id
            else "deleted in Salesforce (it was not linked)"
        ),
    )
    return DELETED


def _deactivate(account: Account, netsuite_id: str) -> str:
    attempt = Attempt(
        Operation.ACCOUNT_DELETED,
        Direction.TO_NETSUITE,
        salesforce_id=account.salesforce_id,
        netsuite_id=netsuite_id,
    )
    client = NetSuiteClient()
    try:
        client.update("customer", netsuite_id, {"isInactive": True})
    except ClientError as exc:
        attempt.error(exc, client=client)
        return f"could not be made inactive: {exc.message}"
    return "made inactive"


def _merged(loser: Account, netsuite_id: str, master_id: str) -> str:
    master = Account.objects.filter(salesforce_id=master_id).first()
    if master is None or master.is_placeholder:
        master = salesforce_record_fetch(sobject="Account", salesforce_id=master_id)

    def log(outcome: str, reason: str) -> None:
        record(
            operation=Operation.ACCOUNT_MERGED,
            direction=Direction.FROM_SALESFORCE,
            outcome=outcome,
            salesforce_id=loser.salesforce_id,
            netsuite_id=netsuite_id,
            reason=reason,
        )

    if not netsuite_id:
        log(Outcome.SUCCESS, f"merged into Account {master_id} (it was not linked)")
        return MERGED
    if master.netsuite_id and master.netsuite_id != netsuite_id:
        log(
            Outcome.ERROR,
            f"merged into Account {master_id}, which is linked to customer "
            f"{master.netsuite_id}: customer {netsuite_id} is now linked to no Account. Merge "
            "the two customers in NetSuite (or link the right one to the Account) by hand.",
        )
        return CONFLICT
    conf = IntegrationSettings.load()
    link = {"externalId": master_id, conf.netsuite_salesforce_id_field: master_id}
    client = NetSuiteClient()
    try:
        client.update("customer", netsuite_id, link)
    except ClientError as exc:
        log(
            Outcome.ERROR,
            f"merged into Account {master_id}; its customer {netsuite_id} "
            f"could not take the surviving Account's id: {exc.message}",
        )
        return CONFLICT
    Account.objects.filter(pk=master.pk).update(netsuite_id=netsuite_id)
    account_record_attempt(account=master)  # the NetSuite Id reaches the survivor in Salesforce
    log(Outcome.SUCCESS, f"merged into Account {master_id}, which now has customer {netsuite_id}")
    return MERGED
