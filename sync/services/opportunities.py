"""
Opportunities: Create Quote (a NetSuite estimate) and Sync as Sales Order. Both link the
Account's customer first; a sales order does so only with Sync Account on Sales Order on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import Account, Opportunity
from accounts.services import account_upsert_from_salesforce
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import rules
from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from ..clients.salesforce import SalesforceClient
from ..errors import SyncRefused
from ..models import JobKind, SyncJob
from ..outbox import job_enqueue
from .attempts import Attempt
from .link import account_link


def _load_placeholder_account(account: Account) -> None:
    """An Account known only by id (an Opportunity arrived first): read it from Salesforce."""
    if account.is_placeholder:
        fields = SalesforceClient().get("Account", account.salesforce_id)
        fields.pop("attributes", None)
        account_upsert_from_salesforce(fields=fields)
        account.refresh_from_db()


def _transaction_body(
    opportunity: Opportunity, customer_id: str, conf: IntegrationSettings
) -> dict[str, Any]:
    return {
        "entity": {"id": customer_id},
        "title": opportunity.name[:99],
        "item": {
            "items": [
                {
                    "item": {"id": conf.netsuite_estimate_item_id},
                    "quantity": 1,
                    "rate": float(opportunity.amount or 0),
                }
            ]
        },
    }


def _opportunity_to_transaction(
    *, opportunity: Opportunity, record_type: str, field: str, operation: str, job: SyncJob | None
) -> str:
    _load_placeholder_account(opportunity.account)
    conf = IntegrationSettings.load()
    client = NetSuiteClient()
    customer_id = account_link(account=opportunity.account, job=job, client=client)
    attempt = Attempt(
        operation, Direction.TO_NETSUITE, job=job, salesforce_id=opportunity.salesforce_id
    )
    try:
        transaction_id = client.upsert(
            record_type,
            opportunity.salesforce_id,
            _transaction_body(opportunity, customer_id, conf),
        )
    except ClientError as exc:
        attempt.error(exc, client=client)
        raise
    attempt.netsuite_id = transaction_id
    attempt.log(
        Outcome.SUCCESS, f"{record_type} {transaction_id} for customer {customer_id}", client=client
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(**{field: transaction_id})
    return transaction_id


def opportunity_create_quote(*, opportunity: Opportunity, job: SyncJob | None = None) -> str:
    """Create Quote: the customer first (the link), then the estimate."""
    return _opportunity_to_transaction(
        opportunity=opportunity,
        record_type="estimate",
        field="netsuite_estimate_id",
        operation=Operation.OPPORTUNITY_QUOTE,
        job=job,
    )


def sales_order_refusal(*, opportunity: Opportunity) -> str:
    """Why the Opportunity cannot become a sales order now, or "" when it can."""
    account = opportunity.account
    return rules.sales_order_refusal(
        salesforce_id=account.salesforce_id,
        linked=account.is_linked,
        sync_account_on_sales_order=IntegrationSettings.load().sync_account_on_sales_order,
    )


def opportunity_won_skipped(*, opportunity: Opportunity, reason: str) -> None:
    """An Opportunity won that cannot become a sales order (its Account not linked): logged."""
    Attempt(
        Operation.OPPORTUNITY_SALES_ORDER,
        Direction.TO_NETSUITE,
        salesforce_id=opportunity.salesforce_id,
    ).log(Outcome.SKIPPED, f"won ({opportunity.stage}), no sales order: {reason}")


def opportunity_sync_sales_order(*, opportunity: Opportunity, job: SyncJob | None = None) -> str:
    """Sync as Sales Order; links an unlinked Account only with Sync Account on Sales Order."""
    refusal = sales_order_refusal(opportunity=opportunity)
    if refusal:
        Attempt(
            Operation.OPPORTUNITY_SALES_ORDER,
            Direction.TO_NETSUITE,
            job=job,
            salesforce_id=opportunity.salesforce_id,
        ).log(Outcome.ERROR, refusal)
        raise SyncRefused(refusal)
    return _opportunity_to_transaction(
        opportunity=opportunity,
        record_type="salesOrder",
        field="netsuite_sales_order_id",
        operation=Operation.OPPORTUNITY_SALES_ORDER,
        job=job,
    )


@transaction.atomic
def opportunity_request_quote(*, opportunity: Opportunity) -> SyncJob:
    return job_enqueue(kind=JobKind.OPPORTUNITY_QUOTE, record_id=opportunity.salesforce_id)


@transaction.atomic
def opportunity_request_sales_order(*, opportunity: Opportunity) -> SyncJob:
    refusal = sales_order_refusal(opportunity=opportunity)
    if refusal:
        raise SyncRefused(refusal)
    return job_enqueue(kind=JobKind.OPPORTUNITY_SALES_ORDER, record_id=opportunity.salesforce_id)
