"""
Admin for the sync's own models, and the sync's actions on the Opportunity admin; the Account's
page and buttons (admin_account.py) and the log's named records and retry (admin_log.py) are
registered here too, in place of the apps' own admins (those apps never import sync).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import OpportunityAdmin
from accounts.models import Account, Opportunity
from integration_log.models import LogEntry
from sfns.admin_common import work_permission

from .admin_account import SyncAccountAdmin, queue_each
from .admin_log import SyncLogEntryAdmin, retry_failed_jobs
from .mapping import MappingRule
from .models import FieldMapping, InboundEvent, ReconcileRun, SyncJob
from .selectors import mapping_problems
from .services import opportunities


class FieldMappingForm(forms.ModelForm):
    """A rule is checked as the API checks it (selectors.mapping_problems) before it is saved,
    on its page and in the list's editable columns alike."""

    class Meta:
        model = FieldMapping
        fields = ["direction", "source", "target", "transform", "argument", "position", "enabled"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()

        def value(name: str) -> Any:
            return data[name] if name in data else getattr(self.instance, name)

        rule = MappingRule(value("source"), value("target"), value("transform"), value("argument"))
        problems = mapping_problems(
            direction=value("direction"),
            rule=rule,
            enabled=value("enabled"),
            replaces=self.instance.pk,
        )
        if problems:
            raise forms.ValidationError(
                {
                    name if name in self.fields else NON_FIELD_ERRORS: text
                    for name, text in problems.items()
                }
            )
        return data


@admin.register(FieldMapping)
class FieldMappingAdmin(admin.ModelAdmin):
    form = FieldMappingForm
    list_display = ["direction", "source", "target", "transform", "argument", "position", "enabled"]
    list_editable = ["position", "enabled"]
    list_filter = ["direction", "transform", "enabled"]
    search_fields = ["source", "target"]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return super().get_changelist_form(request, form=FieldMappingForm, **kwargs)


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

    has_retry_job_permission = work_permission("retry_job")

    @admin.action(
        description="Retry selected failed jobs (with the records' current state)",
        permissions=["retry_job"],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        retry_failed_jobs(self, request, queryset.values_list("pk", flat=True))

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


class SyncOpportunityAdmin(OpportunityAdmin):
    actions = ["create_quote", "sync_sales_order"]
    has_create_quote_permission = work_permission("create_quote")
    has_sync_sales_order_permission = work_permission("sync_sales_order")

    @admin.action(description="Create Quote (NetSuite estimate)", permissions=["create_quote"])
    def create_quote(self, request: HttpRequest, queryset: QuerySet) -> None:
        queue_each(
            self,
            request,
            queryset.select_related("account"),
            lambda o: opportunities.opportunity_request_quote(opportunity=o),
            "Create Quote",
        )

    @admin.action(description="Sync as Sales Order", permissions=["sync_sales_order"])
    def sync_sales_order(self, request: HttpRequest, queryset: QuerySet) -> None:
        queue_each(
            self,
            request,
            queryset.select_related("account"),
            lambda o: opportunities.opportunity_request_sales_order(opportunity=o),
            "Sync as Sales Order",
        )


for model, model_admin in (
    (Account, SyncAccountAdmin),
    (Opportunity, SyncOpportunityAdmin),
    (LogEntry, SyncLogEntryAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
