"""The outbox (jobs, and retrying a failed one) and the integration log over the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from integration_log.models import LogEntry

from .. import outbox
from ..models import JobStatus, SyncJob
from . import schema
from .base import APIViewSet, needs
from .filters import LogEntryFilter, SyncJobFilter
from .serializers import LogEntrySerializer, SyncJobSerializer, started


@extend_schema_view(
    list=extend_schema(
        summary="List the jobs",
        description="The outbox, newest first: what is queued, running, done or failed.",
        responses=schema.reading(SyncJobSerializer, listing=True),
    ),
    retrieve=extend_schema(summary="One job", responses=schema.reading(SyncJobSerializer)),
)
class SyncJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The outbox: one job per piece of work for NetSuite or Salesforce."""

    queryset = SyncJob.objects.order_by("-id")
    serializer_class = SyncJobSerializer
    filterset_class = SyncJobFilter
    search_fields = ["record_id", "last_error"]
    ordering_fields = ["id", "created_at", "finished_at", "not_before", "attempts"]

    @extend_schema(
        summary="Retry a failed job",
        description="Queue the failed job's work again, as a fresh job that reads the record's "
        "current state; the failed job stays in the history. Needs `sync.retry_job`.",
        request=None,
        operation_id="jobs_retry",
        responses=schema.work(
            permission="sync.retry_job",
            started="Queued again.",
            refusals=(("not failed", "job 42 is done, not failed"),),
        ),
    )
    @action(
        detail=True, methods=["post"], permission_classes=[IsAdminUser, needs("sync.retry_job")]
    )
    def retry(self, request: Request, pk: str) -> Response:
        job = self.get_object()
        if job.status != JobStatus.FAILED:
            return Response(
                {"detail": f"job {job.pk} is {job.status}, not failed"},
                status=status.HTTP_409_CONFLICT,
            )
        return started(outbox.job_retry(job=job))


@extend_schema_view(
    list=extend_schema(
        summary="Read the integration log",
        description="Every sync attempt (success, skip or error), newest first, with what was "
        "sent and received (secrets redacted), and each settings change with who made it.",
        responses=schema.reading(LogEntrySerializer, listing=True),
    ),
    retrieve=extend_schema(summary="One log entry", responses=schema.reading(LogEntrySerializer)),
)
class LogEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The integration log (append-only)."""

    queryset = LogEntry.objects.all()
    serializer_class = LogEntrySerializer
    filterset_class = LogEntryFilter
    search_fields = ["reason", "salesforce_id", "netsuite_id"]
    ordering_fields = ["id", "created_at", "duration_ms"]
