"""
The REST API (DRF): read the mirrors, the jobs and the log; ask for syncs. Requests that start
work answer 202 with the job; refusals answer 409 with the reason. Token or session auth,
staff only (settings.REST_FRAMEWORK).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db.models import QuerySet
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.ids import SALESFORCE_ID
from accounts.models import Account, Opportunity
from integration_log.models import LogEntry, Operation, Outcome

from . import outbox
from .clients.errors import ClientError
from .errors import SyncRefused
from .models import JobStatus, SyncJob
from .selectors import account_outbound_payload
from .services import link, opportunities, update_from_netsuite


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = [
            "salesforce_id",
            "name",
            "netsuite_id",
            "fields",
            "last_modified",
            "last_synced_at",
            "last_sync_error",
        ]


class OpportunitySerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="salesforce_id", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "salesforce_id",
            "account",
            "name",
            "stage",
            "amount",
            "netsuite_estimate_id",
            "netsuite_sales_order_id",
        ]


class SyncJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncJob
        fields = [
            "id",
            "kind",
            "record_id",
            "status",
            "attempts",
            "max_attempts",
            "not_before",
            "last_error",
            "created_at",
            "finished_at",
        ]


class LogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LogEntry
        fields = [
            "id",
            "created_at",
            "operation",
            "direction",
            "outcome",
            "reason",
            "salesforce_id",
            "netsuite_id",
            "request",
            "response",
            "diff",
            "duration_ms",
            "attempt",
            "job_id",
        ]


class LinkChoiceSerializer(serializers.Serializer):
    """An answer to an ambiguous match: a customer to link, or a new customer."""

    netsuite_id = serializers.RegexField(r"^[0-9]{1,32}$", required=False)
    create = serializers.BooleanField(required=False, default=False)

    def validate(self, data: dict) -> dict:
        if bool(data.get("netsuite_id")) == data["create"]:
            raise serializers.ValidationError(
                "give either netsuite_id (the customer to link) or create: true (a new customer)"
            )
        return data


def _started(job: SyncJob) -> Response:
    return Response(SyncJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """
    DRF's handler, plus SFNS's own errors: a refusal (edition, setting, link, mapping) is 409
    with its reason; Salesforce or NetSuite failing to answer is 503, so the caller retries.
    """
    if isinstance(exc, SyncRefused):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ClientError):
        return Response({"detail": exc.message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    # Django raises these while reading the body (DRF reads it through request.body); left to
    # Django they become a bare HTML 400 that does not say what is wrong.
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": f"request body over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # too many form fields or files
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class JSONParser(parsers.JSONParser):
    """DRF's, with a 400 for JSON nested too deeply for Python's json (a RecursionError)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


def _no_nul(value: str, name: str) -> str:
    """PostgreSQL text cannot hold NUL: a filter or id with one fails the query itself."""
    if "\x00" in value:
        raise ValidationError({name: ["must not contain a NUL character"]})
    return value


class _APIViewSet(viewsets.GenericViewSet):
    """What every SFNS endpoint shares: the JSON parser above, and query parameters checked
    before any reaches the database."""

    parser_classes = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
    # A filter given here must be one of its choices: a typo answers 400, not an empty list.
    choice_params: dict[str, list[str]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        for name, values in request.query_params.lists():
            for value in values:
                _no_nul(value, name)
        for name, choices in self.choice_params.items():
            value = request.query_params.get(name)
            if value and value not in choices:
                raise ValidationError({name: [f"must be one of {', '.join(choices)}"]})


class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _APIViewSet):
    queryset = Account.objects.order_by("id")
    serializer_class = AccountSerializer
    lookup_field = "salesforce_id"
    lookup_value_regex = SALESFORCE_ID.pattern  # anything else is a 404 before the database

    @action(detail=True, methods=["post"])
    def sync(self, request: Request, salesforce_id: str) -> Response:
        """Sync to NetSuite: link the Account (find or create its customer), or push it now."""
        return _started(link.account_request_link_or_push(account=self.get_object()))

    @action(detail=True, methods=["post"])
    def link(self, request: Request, salesforce_id: str) -> Response:
        """Link to an existing customer ({"netsuite_id"}) or create a new one ({"create": true})."""
        choice = LinkChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        account = self.get_object()
        netsuite_id = choice.validated_data.get("netsuite_id", "")
        return _started(link.account_request_link_choice(account=account, netsuite_id=netsuite_id))

    @action(detail=True, methods=["post"], url_path="update-from-netsuite")
    def update_from_netsuite(self, request: Request, salesforce_id: str) -> Response:
        return _started(
            update_from_netsuite.account_request_update_from_netsuite(account=self.get_object())
        )

    @action(detail=True, methods=["get"])
    def preview(self, request: Request, salesforce_id: str) -> Response:
        """Exactly what a push would send to NetSuite now; nothing is sent."""
        account = self.get_object()
        payload = account_outbound_payload(account)
        return Response({"netsuite_id": account.netsuite_id, "payload": payload})


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _APIViewSet):
    queryset = Opportunity.objects.select_related("account").order_by("id")
    serializer_class = OpportunitySerializer
    lookup_field = "salesforce_id"
    lookup_value_regex = SALESFORCE_ID.pattern

    @action(detail=True, methods=["post"])
    def quote(self, request: Request, salesforce_id: str) -> Response:
        """Create Quote: link the account's customer if needed, then create the estimate."""
        return _started(opportunities.opportunity_request_quote(opportunity=self.get_object()))

    @action(detail=True, methods=["post"], url_path="sales-order")
    def sales_order(self, request: Request, salesforce_id: str) -> Response:
        return _started(
            opportunities.opportunity_request_sales_order(opportunity=self.get_object())
        )


class SyncJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _APIViewSet):
    queryset = SyncJob.objects.order_by("-id")
    serializer_class = SyncJobSerializer
    lookup_value_regex = "[0-9]+"
    choice_params = {"status": JobStatus.values}

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if job_status := self.request.query_params.get("status"):
            queryset = queryset.filter(status=job_status)
        return queryset

    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        job = self.get_object()
        if job.status != JobStatus.FAILED:
            return Response(
                {"detail": f"job {job.pk} is {job.status}, not failed"},
                status=status.HTTP_409_CONFLICT,
            )
        return _started(outbox.job_retry(job=job))


class LogEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _APIViewSet):
    queryset = LogEntry.objects.all()
    serializer_class = LogEntrySerializer
    lookup_value_regex = "[0-9]+"
    choice_params = {"outcome": Outcome.values, "operation": Operation.values}

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        for param in ("outcome", "operation", "salesforce_id", "netsuite_id"):
            if value := self.request.query_params.get(param):
                queryset = queryset.filter(**{param: value})
        return queryset
