"""The API's representations of the mirrors, the jobs and the log, and of its answers."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.models import Account, Customer, Opportunity
from integration_log.models import LogEntry

from ..models import SyncJob

# JSON nested deeper than this is refused (a mapping argument or a lookup table is 1-2 deep).
MAX_JSON_DEPTH = 32


class JSONField(serializers.JSONField):
    """
    DRF's, refusing what Python's json takes but the database cannot hold: text with a NUL
    or an unpaired surrogate (PostgreSQL's jsonb refuses both), and deep nesting. The error
    says where.
    """

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        stack: list[tuple[Any, str, int]] = [(value, self.field_name or "value", 0)]
        while stack:
            item, where, depth = stack.pop()
            if depth > MAX_JSON_DEPTH:
                self.fail_with(f"{where} is nested deeper than {MAX_JSON_DEPTH} levels")
            texts = [item] if isinstance(item, str) else []
            if isinstance(item, dict):
                texts = [key for key in item if isinstance(key, str)]
                stack.extend((v, f"{where}[{k!r}]", depth + 1) for k, v in item.items())
            elif isinstance(item, list):
                stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(item))
            for text in texts:
                if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
                    self.fail_with(
                        f"{where} holds a NUL or an unpaired surrogate: not storable text"
                    )
        return value

    def fail_with(self, message: str) -> None:
        raise serializers.ValidationError(message)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's, with the JSON field above for the models' JSON fields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.JSONField: JSONField,
    }


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
    account = serializers.SlugRelatedField(
        slug_field="salesforce_id", read_only=True, help_text="The Account's Salesforce id."
    )

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


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "netsuite_id",
            "salesforce_id",
            "company_name",
            "locked",
            "balance",
            "overdue_balance",
            "credit_limit",
            "days_overdue",
            "unbilled_orders",
            "deposit_balance",
            "fields",
            "last_modified",
            "refreshed_at",
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

    netsuite_id = serializers.RegexField(
        r"^[0-9]{1,32}$", required=False, help_text="The internal id of the customer to link."
    )
    create = serializers.BooleanField(
        required=False, default=False, help_text="true: create a new customer instead."
    )

    def validate(self, data: dict) -> dict:
        if bool(data.get("netsuite_id")) == data["create"]:
            raise serializers.ValidationError(
                "give either netsuite_id (the customer to link) or create: true (a new customer)"
            )
        return data


class DetailSerializer(serializers.Serializer):
    """A refusal or an error, in words."""

    detail = serializers.CharField()


def started(job: SyncJob) -> Response:
    """202: the work is queued as this job (GET /api/jobs/<id>/ follows it)."""
    return Response(SyncJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
