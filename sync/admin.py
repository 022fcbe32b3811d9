"""
Admin for the sync's own models, and the sync's buttons and actions on the Account,
Opportunity and integration log admins (added here: those apps never import sync).
"""

from __future__ import annotations

import json
import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin import AccountAdmin, OpportunityAdmin
from accounts.models import Account, Opportunity
from integration_log.admin import LogEntryAdmin
from integration_log.models import LogEntry

from . import outbox
from .clients.errors import ClientError
from .errors import SyncRefused
from .models import FieldMapping, InboundEvent, JobStatus, ReconcileRun, SyncJob
from .selectors import account_outbound_payload
from .services import link, opportunities, update_from_netsuite


@admin.register(FieldMapping)
class FieldMappingAdmin(admin.ModelAdmin):
    list_display = ["direction", "source", "target", "transform", "argument", "position", "enabled"]
    list_editable = ["position", "enabled"]
    list_filter = ["direction", "transform", "enabled"]
    search_fields = ["source", "target"]


@admin.register(SyncJob)
class SyncJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "record_id",
        "status",
        "attempts",
        "not_before",
        "created_at",
        "finished_at",
        "short_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=record_id"]
    show_full_result_count = False
    readonly_fields = [f.name for f in SyncJob._meta.fields]
    actions = ["retry"]

    @admin.display(description="last error")
    def short_error(self, obj: SyncJob) -> str:
        return obj.last_error[:100]

    @admin.action(description="Retry selected failed jobs (with the records' current state)")
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        failed = list(queryset.filter(status=JobStatus.FAILED))
        for job in failed:
            outbox.job_retry(job=job)
        skipped = queryset.count() - len(failed)
        self.message_user(
            request,
            f"{len(failed)} job(s) queued again"
            + (f"; {skipped} not failed, left alone." if skipped else "."),
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReconcileRun)
class ReconcileRunAdmin(admin.ModelAdmin):
    """Read-only: each pass of the reconcile, what it found and its watermarks."""

    list_display = [
        "started_at",
        "finished_at",
        "found",
        "salesforce_watermark",
        "netsuite_watermark",
        "error",
    ]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "event_id", "sobject", "applied_at", "error"]
    list_filter = ["source", "sobject", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["=event_id"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _queue_each(modeladmin, request, objects, service, what: str) -> None:
    queued, refused = 0, []
    for obj in objects:
        try:
            service(obj)
            queued += 1
        except ClientError as exc:  # a refusal, or Salesforce/NetSuite not answering
            refused.append(exc.message)
    if queued:
        modeladmin.message_user(request, f"{what}: {queued} queued.", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.ERROR)


class SyncAccountAdmin(AccountAdmin):
    change_form_template = "admin/accounts/account/sync_change_form.html"
    actions = ["sync_to_netsuite", "update_from_netsuite"]

    @admin.action(description="Sync to NetSuite (create and link if needed)")
    def sync_to_netsuite(self, request: HttpRequest, queryset: QuerySet) -> None:
        _queue_each(
            self,
            request,
            queryset,
            lambda a: link.account_request_link_or_push(account=a),
            "Sync to NetSuite",
        )

    @admin.action(description="Update from NetSuite")
    def update_from_netsuite(self, request: HttpRequest, queryset: QuerySet) -> None:
        _queue_each(
            self,
            request,
            queryset,
            lambda a: update_from_netsuite.account_request_update_from_netsuite(account=a),
            "Update from NetSuite",
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/sync-to-netsuite/",
                self.admin_site.admin_view(self.sync_view),
                name="accounts_account_sync_to_netsuite",
            ),
            path(
                "<int:pk>/update-from-netsuite/",
                self.admin_site.admin_view(self.update_from_netsuite_view),
                name="accounts_account_update_from_netsuite",
            ),
            path(
                "<int:pk>/link-choice/",
                self.admin_site.admin_view(self.link_choice_view),
                name="accounts_account_link_choice",
            ),
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="accounts_account_preview",
            ),
            *super().get_urls(),
        ]

    def _button(self, request: HttpRequest, pk: int, service, what: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = get_object_or_404(Account, pk=pk)
        if not self.has_change_permission(request, account):
            return HttpResponseForbidden()
        _queue_each(self, request, [account], service, what)
        return HttpResponseRedirect(reverse("admin:accounts_account_change", args=[pk]))

    def sync_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._button(
            request, pk, lambda a: link.account_request_link_or_push(account=a), "Sync to NetSuite"
        )

    def link_choice_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """After an ambiguous match: link the customer given, or create a new one."""
        netsuite_id = request.POST.get("netsuite_id", "").strip()
        if not request.POST.get("create") and not re.fullmatch(r"[0-9]{1,32}", netsuite_id):
            self.message_user(
                request,
                f"{netsuite_id[:40]!r} is not a NetSuite internal id (digits only).",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:accounts_account_change", args=[pk]))
        return self._button(
            request,
            pk,
            lambda a: link.account_request_link_choice(account=a, netsuite_id=netsuite_id),
            f"Link to customer {netsuite_id}" if netsuite_id else "Create a new customer",
        )

    def update_from_netsuite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._button(
            request,
            pk,
            lambda a: update_from_netsuite.account_request_update_from_netsuite(account=a),
            "Update from NetSuite",
        )

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(Account, pk=pk)
        if not self.has_view_permission(request, account):
            raise PermissionDenied
        try:
            payload = json.dumps(account_outbound_payload(account), indent=2, sort_keys=True)
        except SyncRefused as exc:
            payload = exc.message
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": account,
            "title": f"NetSuite payload preview: {account}",
            "payload": payload,
        }
        return TemplateResponse(request, "admin/accounts/account/preview.html", context)


class SyncOpportunityAdmin(OpportunityAdmin):
    actions = ["create_quote", "sync_sales_order"]

    @admin.action(description="Create Quote (NetSuite estimate)")
    def create_quote(self, request: HttpRequest, queryset: QuerySet) -> None:
        _queue_each(
            self,
            request,
            queryset.select_related("account"),
            lambda o: opportunities.opportunity_request_quote(opportunity=o),
            "Create Quote",
        )

    @admin.action(description="Sync as Sales Order")
    def sync_sales_order(self, request: HttpRequest, queryset: QuerySet) -> None:
        _queue_each(
            self,
            request,
            queryset.select_related("account"),
            lambda o: opportunities.opportunity_request_sales_order(opportunity=o),
            "Sync as Sales Order",
        )


class SyncLogEntryAdmin(LogEntryAdmin):
    actions = ["retry"]

    @admin.action(description="Retry the work of the selected entries (current state)")
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        job_ids = set(queryset.exclude(job_id=None).values_list("job_id", flat=True))
        jobs = SyncJob.objects.filter(pk__in=job_ids)
        for job in jobs:
            outbox.job_retry(job=job)
        self.message_user(request, f"{len(jobs)} job(s) queued again.", messages.SUCCESS)


for model, model_admin in (
    (Account, SyncAccountAdmin),
    (Opportunity, SyncOpportunityAdmin),
    (LogEntry, SyncLogEntryAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
