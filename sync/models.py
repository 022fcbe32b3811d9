"""FieldMapping (what goes where) and SyncJob (the outbox of work for the far APIs)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integration_log.models import Operation


class MappingDirection(models.TextChoices):
    TO_NETSUITE = "sf_to_ns", "Salesforce Account → NetSuite Customer"
    TO_SALESFORCE = "ns_to_sf", "NetSuite Customer → Salesforce Account"
    CONTACT_TO_NETSUITE = "contact_to_ns", "Salesforce Contact → NetSuite contact"


class Transform(models.TextChoices):
    COPY = "copy", "Copy the value"
    STATIC = "static", "Static value (argument)"
    LOOKUP = "lookup", "Lookup table (argument: {from: to})"
    TEMPLATE = "template", "Template (argument: '{Field} ...')"
    TRUNCATE = "truncate", "Truncate (argument: max length)"
    DEFAULT = "default", "Default when empty (argument)"
    STREET_LINE = "street_line", "Street line (argument: 1, 2 or 3; 3 takes the rest)"
    COUNTRY = "country", "Country name or code → NetSuite country id"


class FieldMapping(models.Model):
    direction = models.CharField(max_length=16, choices=MappingDirection.choices)
    source = models.CharField(
        max_length=128, blank=True, help_text="Source field; dotted paths reach into objects."
    )
    target = models.CharField(
        max_length=128, help_text="Target field; dotted paths build nested objects."
    )
    transform = models.CharField(max_length=16, choices=Transform.choices, default=Transform.COPY)
    argument = models.JSONField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["direction", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "target"], name="fieldmapping_unique_target_per_direction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source or '∅'} → {self.target} ({self.transform})"


def _operation(operation: Operation) -> tuple[str, str]:
    return operation.value, operation.label


class JobKind(models.TextChoices):
    """The work a job does: a subset of the log's operations, under the same names."""

    ACCOUNT_PUSH = _operation(Operation.ACCOUNT_PUSH)
    ACCOUNT_LINK_OR_PUSH = _operation(Operation.ACCOUNT_LINK_OR_PUSH)
    ACCOUNT_UPDATE_FROM_NETSUITE = _operation(Operation.ACCOUNT_UPDATE_FROM_NETSUITE)
    CONTACT_PUSH = _operation(Operation.CONTACT_PUSH)
    OPPORTUNITY_QUOTE = _operation(Operation.OPPORTUNITY_QUOTE)
    OPPORTUNITY_SALES_ORDER = _operation(Operation.OPPORTUNITY_SALES_ORDER)
    STATUS_WRITEBACK = _operation(Operation.STATUS_WRITEBACK)


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    # A newer pending job for the same record does this one's work (it reads current state).
    SUPERSEDED = "superseded", "Superseded"


WORK_PERMISSIONS = [
    ("sync_account", "Can sync an Account to NetSuite (link, or push if linked)"),
    ("link_account", "Can link an Account to a chosen NetSuite customer or a new one"),
    ("update_account_from_netsuite", "Can update an Account from NetSuite"),
    ("create_quote", "Can create a quote (NetSuite estimate) from an Opportunity"),
    ("sync_sales_order", "Can sync an Opportunity as a NetSuite sales order"),
    ("retry_job", "Can retry a failed job"),
]


class SyncJob(models.Model):
    """
    One unit of work for NetSuite or Salesforce, written in the same transaction as the change
    that caused it. Jobs for the same record coalesce: at most one *pending* job per dedupe key,
    and running it always uses the record's current state.
    """

    kind = models.CharField(max_length=32, choices=JobKind.choices)
    # The Salesforce id of the Account/Opportunity the job is about.
    record_id = models.CharField(max_length=18)
    dedupe_key = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    not_before = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # While running in a worker process: when that process last said it is alive and holds the
    # claim (sync.outbox's heartbeat). A claim it stopped renewing lost its worker. Empty for
    # claims run in-process (the embedded mode), which only the stale timeout gives back.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_sent_at = models.DateTimeField("last sent to the broker", null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status="pending"),
                name="syncjob_one_pending_per_key",
            )
        ]
        indexes = [models.Index(fields=["status", "not_before"])]
        # The work a person may start (API, the buttons' pages), one permission each: a token
        # can sync Accounts without being able to do anything else. Staff get none implicitly.
        permissions = WORK_PERMISSIONS

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_id} [{self.status}]"


class InboundEvent(models.Model):
    """
    An inbound notification, by its id: a redelivery of the same id is acknowledged and
    ignored (Salesforce delivers outbound messages at least once). A Salesforce notification
    also keeps what it carries until a worker has applied it to the mirrors: the webhook
    stores a message in one statement and answers at once, as Salesforce wants.
    """

    source = models.CharField(max_length=16)
    event_id = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # What a Salesforce notification carries, kept until applied (then applied_at is set).
    sobject = models.CharField(max_length=40, blank=True)
    fields = models.JSONField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # Why it could not be applied (also in the integration log); it waits for a person.
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="inboundevent_unique_id")
        ]
        indexes = [
            # The workers' queue of notifications to apply: small, read oldest first.
            models.Index(
                fields=["id"],
                condition=Q(applied_at__isnull=True, error="") & ~Q(sobject=""),
                name="inboundevent_to_apply",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_id}"


class ReconcileRun(models.Model):
    """
    One pass of the reconcile (sync.services.reconcile): what changed in Salesforce and NetSuite
    since the watermarks, as the webhooks would have told. The newest finished run's watermarks
    are where the next one starts.
    """

    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The newest SystemModstamp / lastModifiedDate seen so far (with this run).
    salesforce_watermark = models.DateTimeField(null=True, blank=True)
    netsuite_watermark = models.DateTimeField(null=True, blank=True)
    # {"accounts": n, "opportunities": n, "deleted": n, "merged": n, "customers": n}
    found = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"reconcile {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def found_text(self) -> str:
        """ "3 accounts, 1 deleted", in a fixed order (jsonb keeps its own key order)."""
        found = sorted((what, n) for what, n in self.found.items() if n)
        return ", ".join(f"{n} {what}" for what, n in found) or "nothing changed"
