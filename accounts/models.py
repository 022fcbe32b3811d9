"""Mirrors of the records SFNS syncs: Salesforce Accounts, Contacts and Opportunities, NetSuite
Customers."""

from __future__ import annotations

from django.db import models


class SyncStatus(models.Model):
    """
    A synced record's last outcome, shown on it here and, by the write-back, in its NetSuite
    Sync field in Salesforce (Accounts and Contacts alike).
    """

    last_synced_at = models.DateTimeField("last successful sync", null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    # Set when the NetSuite Id / NetSuite Sync values changed and wait to be written back to
    # Salesforce (in batches); the version tells a writer whether they changed again meanwhile.
    status_pending_since = models.DateTimeField(
        null=True, blank=True, db_index=True, editable=False
    )
    status_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


class Account(SyncStatus):
    """A Salesforce Account as SFNS last saw it."""

    LINK_NEW = "new"

    salesforce_id = models.CharField("Salesforce ID", max_length=18, unique=True)
    name = models.CharField(max_length=255)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # Every Salesforce field SFNS received, by API name, as Salesforce sent it.
    fields = models.JSONField("Salesforce fields", default=dict, blank=True)
    # LastModifiedDate/SystemModstamp of the version held here: older versions never overwrite it.
    last_modified = models.DateTimeField(null=True, blank=True)
    # The link: set once the Account exists in NetSuite as a Customer.
    netsuite_id = models.CharField("NetSuite internal ID", max_length=32, blank=True, db_index=True)
    # How the next link finds the customer: "" by the external id, then the matching rules;
    # LINK_NEW creates a new customer; a NetSuite internal id links that customer (an admin's
    # choice after an ambiguous match). Cleared once linked.
    link_choice = models.CharField(max_length=32, blank=True, editable=False)
    # Deleted (or merged into another Account) in Salesforce: kept here, unlinked, for the record.
    deleted_at = models.DateTimeField("deleted in Salesforce", null=True, blank=True)
    # Hash of the mapped NetSuite payload as of the last save: a save that leaves it unchanged
    # enqueues nothing.
    mapped_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The last payload NetSuite accepted: a push that would send the same is skipped, which
    # also ends NetSuite -> Salesforce -> NetSuite loops.
    pushed_payload = models.JSONField(null=True, blank=True, editable=False)
    # SFNS unlinked the Account (its customer was deleted in NetSuite): the next write-back
    # clears its NetSuite Id in Salesforce. Without it an empty NetSuite Id writes nothing, so
    # a value an admin typed in Salesforce is never wiped by an Account that was never linked.
    clear_netsuite_id = models.BooleanField(default=False, editable=False)
    # Reverse-mapped values NetSuite reported on its own (its webhook) wait in fields for the
    # write-back, which writes them to Salesforce with the status.
    values_pending = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.salesforce_id})"

    @property
    def is_linked(self) -> bool:
        return bool(self.netsuite_id)

    @property
    def is_placeholder(self) -> bool:
        """Known only by its id: an Opportunity named it before the Account itself arrived."""
        return self.last_modified is None and not self.fields.get("Name")


class Customer(models.Model):
    """A NetSuite Customer as SFNS last read it."""

    netsuite_id = models.CharField("NetSuite internal ID", max_length=32, unique=True)
    salesforce_id = models.CharField("Salesforce ID", max_length=18, blank=True, db_index=True)
    company_name = models.CharField(max_length=255, blank=True)
    # NetSuite's "Salesforce Lock Record" checkbox (its field id is an IntegrationSettings value).
    locked = models.BooleanField("Salesforce lock record", default=False)
    fields = models.JSONField("NetSuite fields", default=dict, blank=True)
    balance = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    overdue_balance = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    credit_limit = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    days_overdue = models.IntegerField(null=True, blank=True)
    unbilled_orders = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    deposit_balance = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField("last read from NetSuite", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company_name"]

    def __str__(self) -> str:
        return f"{self.company_name or 'Customer'} ({self.netsuite_id})"


class Opportunity(models.Model):
    """A Salesforce Opportunity; becomes a NetSuite Estimate (quote) or Sales Order."""

    salesforce_id = models.CharField("Salesforce ID", max_length=18, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    name = models.CharField(max_length=255)
    stage = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    fields = models.JSONField("Salesforce fields", default=dict, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    netsuite_estimate_id = models.CharField("NetSuite estimate ID", max_length=32, blank=True)
    netsuite_sales_order_id = models.CharField("NetSuite sales order ID", max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return f"{self.name} ({self.salesforce_id})"


class Contact(SyncStatus):
    """A Salesforce Contact; follows its Account to NetSuite as a contact of its customer."""

    salesforce_id = models.CharField("Salesforce ID", max_length=18, unique=True)
    # None: a private Contact (no Account in Salesforce), which has no customer to follow.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    name = models.CharField(max_length=255)
    fields = models.JSONField("Salesforce fields", default=dict, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    netsuite_id = models.CharField("NetSuite internal ID", max_length=32, blank=True)
    # The last payload NetSuite accepted: a push that would send the same is skipped.
    pushed_payload = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.salesforce_id})"
