"""
Opportunities: Create Quote (a NetSuite estimate) and Sync as Sales Order. Both link the
Account's customer first; a sales order does so only with Sync Account on Sales Order on. The
lines are the Opportunity's products (order_lines.py).
"""

from __future__ import annotations

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
from .order_lines import transaction_lines


def _load_placeholder_account(account: Account, salesforce: SalesforceClient) -> None:
    """An Account known only by id (an Opportunity arrived first): read it from Salesforce."""
    if account.is_placeholder:
        fields = salesforce.get("Account", account.salesforce_id)
        fields.pop("attributes", None)
        account_upsert_from_salesforce(fields=fields)
        account.refresh_from_db()


def _transaction_body(opportunity: Opportunity, customer_id: str, lines: list[dict]) -> dict:
    return {
        "entity": {"id": customer_id},
        "title": opportunity.name[:99],
        "item": {"items": lines},
    }


def _lines_or_log(
    opportunity: Opportunity,
    conf: IntegrationSettings,
    attempt: Attempt,
    *,
    salesforce: SalesforceClient,
    netsuite: NetSuiteClient,
) -> list[dict]:
    """The transaction's lines; a failure is logged with the call that failed, if one did."""
    before = [(c, len(c.exchanges)) for c in (salesforce, netsuite)]
    try:
        return transaction_lines(opportunity, conf, salesforce=salesforce, netsuite=netsuite)
    except ClientError as exc:
        called = [c for c, count in before if len(c.exchanges) > count]
        attempt.error(exc, client=called[-1] if called else None)
        raise


def _opportunity_to_transaction(
    *, opportunity: Opportunity, record_type: str, field: str, operation: str, job: SyncJob | None
) -> str:
    salesforce = SalesforceClient()
    _load_placeholder_account(opportunity.account, salesforce)
    conf = IntegrationSettings.load()
    client = NetSuiteClient()
    attempt = Attempt(
        operation, Direction.TO_NETSUITE, job=job, salesforce_id=opportunity.salesforce_id
    )
    # The lines first: a product with no item stops it before the customer is made.
    lines = _lines_or_log(opportunity, conf, attempt, salesforce=salesforce, netsuite=client)
    customer_id = account_link(account=opportunity.account, job=job, client=client)
    try:
        transaction_id = client.upsert(
            record_type,
            opportunity.salesforce_id,
            _transaction_body(opportunity, customer_id, lines),
            replace=["item"],  # made again: the lines as they now are, not added to
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
