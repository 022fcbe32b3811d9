"""LogEntry: one row per sync attempt (success, skip or error), append-only."""

from __future__ import annotations

from django.db import models


class Direction(models.TextChoices):
    """Who wrote to whom."""

    TO_NETSUITE = "to_netsuite", "SFNS wrote to NetSuite"
    TO_SALESFORCE = "to_salesforce", "SFNS wrote to Salesforce"
    FROM_SALESFORCE = "from_salesforce", "Salesforce wrote to SFNS"
    FROM_NETSUITE = "from_netsuite", "NetSuite wrote to SFNS"
    # A person changed SFNS itself (its settings): neither system was written to.
    IN_SFNS = "in_sfns", "A change in SFNS itself"


class Operation(models.TextChoices):
    """What was attempted, in the README glossary's words. A job's kind is its operation."""

    ACCOUNT_PUSH = "account_push", "Push (Account to its customer)"
    ACCOUNT_LINK = "account_link", "Link (find or create the customer)"
    ACCOUNT_LINK_OR_PUSH = "account_link_or_push", "Sync to NetSuite (link, or push if linked)"
    ACCOUNT_UPDATE_FROM_NETSUITE = "account_update_from_netsuite", "Update from NetSuite"
    CONTACT_PUSH = "contact_push", "Push (Contact to its NetSuite contact)"
    OPPORTUNITY_QUOTE = "opportunity_quote", "Create Quote (NetSuite estimate)"
    OPPORTUNITY_SALES_ORDER = "opportunity_sales_order", "Sync as Sales Order"
    STATUS_WRITEBACK = "status_writeback", "Write-back (NetSuite Id and NetSuite Sync)"
    SALESFORCE_OUTBOUND_MESSAGE = "salesforce_outbound_message", "Outbound message (Salesforce)"
    NETSUITE_CUSTOMER_EVENT = "netsuite_customer_event", "Customer event (NetSuite)"
    NETSUITE_CUSTOMER_DELETED = "netsuite_customer_deleted", "Customer deleted in NetSuite"
    BACKFILL = "backfill", "Backfill (links of the first import)"
    RECONCILE = "reconcile", "Reconcile (changes the webhooks missed)"
    ACCOUNT_DELETED = "account_deleted", "Account deleted in Salesforce"
    ACCOUNT_MERGED = "account_merged", "Account merged in Salesforce"
    SETTINGS_CHANGE = "settings_change", "Integration settings changed"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    SKIPPED = "skipped", "Skipped"
    ERROR = "error", "Error"


class LogEntry(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    operation = models.CharField(max_length=64, choices=Operation.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    salesforce_id = models.CharField("Salesforce ID", max_length=18, blank=True)
    netsuite_id = models.CharField("NetSuite ID", max_length=32, blank=True)
    # Redacted copies of what was sent and received.
    request = models.JSONField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    diff = models.JSONField("field changes", null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    # A plain id, not a foreign key: the log outlives jobs and must not import the sync app.
    job_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "log entry"
        verbose_name_plural = "integration log"
        indexes = [
            models.Index(fields=["outcome", "-created_at"]),
            models.Index(fields=["operation", "-created_at"]),
            models.Index(fields=["salesforce_id"]),
            models.Index(fields=["netsuite_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.outcome} {self.salesforce_id or self.netsuite_id}"
