"""
The pages behind SFNS's buttons in Salesforce (deploy/salesforce's webLinks): a button opens
/actions/<accounts|opportunities>/<Salesforce id>/<action>/, which says what will happen and
asks for a POST to confirm; the work then runs as a job, and /actions/jobs/<id>/ shows its
outcome as it finishes, with a link back to the Salesforce record. Staff only, with the
operation's permission (the API's: sync.update_account_from_netsuite, sync.create_quote,
sync.sync_sales_order); Salesforce ids in 15- or 18-character form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.ids import InvalidSalesforceId, salesforce_id_canonical
from accounts.models import Account, Opportunity

from .clients.errors import ClientError, NotFound
from .clients.salesforce import SalesforceClient
from .errors import SyncRefused
from .models import JobKind, JobStatus, SyncJob
from .services import inbound, opportunities, update_from_netsuite

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    kind: str
    title: str
    model: type[Model]
    permission: str
    explain: Callable[[Model], str]
    refusal: Callable[[Model], str]
    start: Callable[[Model], SyncJob]
    done: Callable[[Model], str]


def _link_first(opportunity: Opportunity) -> str:
    account = opportunity.account
    if account.is_linked:
        return f"Account {account.name} is linked to NetSuite customer {account.netsuite_id}."
    return (
        f"Account {account.name} is not linked to NetSuite yet: SFNS first finds its customer "
        "(by the Salesforce id) or creates it, parents first, and links it."
    )


def _explain_transaction(opportunity: Opportunity, record: str, existing: str) -> str:
    amount = f"{opportunity.amount:,.2f}" if opportunity.amount is not None else "no amount"
    again = f" It updates {record} {existing}, made before." if existing else ""
    return (
        f"Creates a NetSuite {record} for Opportunity {opportunity.name} ({amount}). "
        f"{_link_first(opportunity)}{again}"
    )


def _updated_from_netsuite(account: Account) -> str:
    account.refresh_from_db()
    customer = account.netsuite_id
    return f"Account {account.name} now holds NetSuite customer {customer}'s figures." + (
        f" Updated {account.last_synced_at:%Y-%m-%d %H:%M:%S} UTC."
        if account.last_synced_at
        else ""
    )


def _transaction_done(field: str, record: str) -> Callable[[Model], str]:
    def done(opportunity: Model) -> str:
        opportunity.refresh_from_db()
        account = opportunity.account
        account.refresh_from_db()
        return (
            f"NetSuite {record} {getattr(opportunity, field)} is ready, for customer "
            f"{account.netsuite_id} ({account.name})."
        )

    return done


ACTIONS: dict[tuple[str, str], Action] = {
    ("accounts", "update-from-netsuite"): Action(
        kind=JobKind.ACCOUNT_UPDATE_FROM_NETSUITE,
        title="Update from NetSuite",
        model=Account,
        permission="sync.update_account_from_netsuite",
        explain=lambda account: (
            f"Reads NetSuite customer {account.netsuite_id} and writes its balance, overdue "
            "balance, credit limit, days overdue, unbilled orders and deposit balance (and any "
            f"other field mapped back) onto Account {account.name}, in SFNS and in Salesforce. "
            "Nothing is sent to NetSuite."
        ),
        refusal=lambda account: update_from_netsuite.update_from_netsuite_refusal(account=account),
        start=lambda account: update_from_netsuite.account_request_update_from_netsuite(
            account=account
        ),
        done=_updated_from_netsuite,
    ),
    ("opportunities", "quote"): Action(
        kind=JobKind.OPPORTUNITY_QUOTE,
        title="Create Quote",
        model=Opportunity,
        permission="sync.create_quote",
        explain=lambda o: _explain_transaction(o, "estimate", o.netsuite_estimate_id),
        refusal=lambda opportunity: "",
        start=lambda o: opportunities.opportunity_request_quote(opportunity=o),
        done=_transaction_done("netsuite_estimate_id", "estimate"),
    ),
    ("opportunities", "sales-order"): Action(
        kind=JobKind.OPPORTUNITY_SALES_ORDER,
        title="Sync as Sales Order",
        model=Opportunity,
        permission="sync.sync_sales_order",
        explain=lambda o: _explain_transaction(o, "sales order", o.netsuite_sales_order_id),
        refusal=lambda o: opportunities.sales_order_refusal(opportunity=o),
        start=lambda o: opportunities.opportunity_request_sales_order(opportunity=o),
        done=_transaction_done("netsuite_sales_order_id", "sales order"),
    ),
}
ACTION_OF_KIND = {action.kind: key for key, action in ACTIONS.items()}


def _denied(request: HttpRequest, action: Action) -> HttpResponse | None:
    """Anonymous users log in first; staff need the operation's permission."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if request.user.is_staff and request.user.has_perm(action.permission):
        return None
    logger.warning("action %s refused to %s: no permission", action.title, request.user)
    message = f"{action.title} needs a staff login with the permission {action.permission}."
    return _page(request, action, status=403, problem=message)


def _page(request: HttpRequest, action: Action, *, status: int = 200, **context) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": action.title,
        "action": action,
        **context,
    }
    return TemplateResponse(request, "sync/action.html", context, status=status)


def _salesforce_url(record_id: str) -> str | None:
    """The record in Salesforce; None when Salesforce cannot be reached to say where it is."""
    try:
        return SalesforceClient().record_url(record_id)
    except ClientError as exc:
        logger.warning("no link back to Salesforce record %s: %s", record_id, exc.message)
        return None


def _record(action: Action, salesforce_id: str) -> Model | None:
    """
    The mirror, or the record read from Salesforce when its outbound message is not in yet;
    None when Salesforce has no such record.
    """
    queryset = action.model.objects.all()
    if action.model is Opportunity:
        queryset = queryset.select_related("account")
    found = queryset.filter(salesforce_id=salesforce_id).first()
    if found is not None and not getattr(found, "is_placeholder", False):
        return found
    try:
        record = inbound.salesforce_record_fetch(
            sobject=action.model.__name__, salesforce_id=salesforce_id
        )
    except NotFound:
        return None
    return queryset.get(pk=record.pk)


def action_view(request: HttpRequest, objects: str, salesforce_id: str, name: str) -> HttpResponse:
    action = ACTIONS.get((objects, name))
    if action is None:
        raise Http404("No such action.")
    if denied := _denied(request, action):
        return denied
    try:
        salesforce_id = salesforce_id_canonical(salesforce_id)
    except InvalidSalesforceId as exc:
        logger.warning("action %s: %r is not a Salesforce id", action.title, salesforce_id[:40])
        return _page(request, action, status=400, problem=f"{exc}.")
    back = _salesforce_url(salesforce_id)
    try:
        record = _record(action, salesforce_id)
        if record is None:
            logger.warning("action %s: no %s %s", action.title, objects, salesforce_id)
            problem = f"Salesforce has no {action.model.__name__} {salesforce_id}."
            return _page(request, action, status=404, problem=problem)
        if request.method == "POST":
            job = action.start(record)
            return HttpResponseRedirect(reverse("action-outcome", args=[job.pk]))
        refusal = action.refusal(record)
    except SyncRefused as exc:
        return _page(request, action, status=409, refusal=exc.message, back=back)
    except ClientError as exc:  # Salesforce or NetSuite did not answer: nothing was done
        logger.warning("action %s on %s: %s", action.title, salesforce_id, exc.message)
        problem = f"{exc.message}. Nothing was done; try again in a moment."
        return _page(request, action, status=503, problem=problem, back=back)
    explain = "" if refusal else action.explain(record)
    return _page(request, action, record=record, refusal=refusal, explain=explain, back=back)


def _follow(job: SyncJob) -> SyncJob:
    """A job superseded by a newer one for the same record: its outcome is that one's."""
    while job.status == JobStatus.SUPERSEDED:
        newer = SyncJob.objects.filter(dedupe_key=job.dedupe_key, pk__gt=job.pk).order_by("pk")
        if not newer.exists():
            break
        job = newer.first()
    return job


def outcome_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(SyncJob, pk=job_id, kind__in=list(ACTION_OF_KIND))
    objects, name = ACTION_OF_KIND[job.kind]
    action = ACTIONS[(objects, name)]
    if denied := _denied(request, action):
        return denied
    job = _follow(job)
    record = get_object_or_404(action.model, salesforce_id=job.record_id)
    context = {
        "job": job,
        "record": record,
        "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
        "done": action.done(record) if job.status == JobStatus.DONE else "",
        "again": reverse("action", args=[objects, job.record_id, name]),
        "back": _salesforce_url(job.record_id),
    }
    return _page(request, action, **context)


urlpatterns = [
    path("jobs/<int:job_id>/", outcome_view, name="action-outcome"),
    path(
        "<str:objects>/<str:salesforce_id>/<str:name>/",
        action_view,
        name="action",
    ),
]
