from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import FieldMapping, InboundEvent, JobStatus, SyncJob


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

    @admin.action(description="Retry selected failed jobs")
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        failed = list(queryset.filter(status=JobStatus.FAILED))
        for job in failed:
            services.job_retry(job=job)
        self.message_user(
            request,
            f"{len(failed)} job(s) queued again; {queryset.count() - len(failed)} not failed, "
            "left alone.",
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "event_id"]
    list_filter = ["source"]
    search_fields = ["=event_id"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
