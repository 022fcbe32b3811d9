from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Account, Contact, Customer, Opportunity


class SyncStatusFilter(admin.SimpleListFilter):
    title = "sync status"
    parameter_name = "sync_status"

    def lookups(self, request, model_admin):
        return [
            ("unlinked", "Not linked"),
            ("error", "Last sync failed"),
            ("synced", "Synced"),
            ("never", "Linked, never synced"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "unlinked":
            return queryset.filter(netsuite_id="")
        if value == "error":
            return queryset.exclude(last_sync_error="")
        if value == "synced":
            return queryset.exclude(netsuite_id="").filter(
                last_sync_error="", last_synced_at__isnull=False
            )
        if value == "never":
            return queryset.exclude(netsuite_id="").filter(last_synced_at__isnull=True)
        return queryset


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "salesforce_id", "netsuite_id", "sync_status", "last_synced_at"]
    list_filter = [SyncStatusFilter]
    search_fields = ["name", "salesforce_id", "netsuite_id"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    readonly_fields = [
        "last_modified",
        "last_synced_at",
        "last_sync_error",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None) -> list[str]:
        # The Salesforce id is the record's identity (and its Customer's external id).
        return [*self.readonly_fields, "salesforce_id"] if obj else self.readonly_fields

    @admin.display(description="NetSuite sync", ordering="last_synced_at")
    def sync_status(self, obj: Account) -> str:
        if obj.last_sync_error:
            return f"Error: {obj.last_sync_error[:80]}"
        if not obj.is_linked:
            return "Not linked"
        return obj.last_synced_at.strftime("%Y-%m-%d %H:%M:%S UTC") if obj.last_synced_at else "—"


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "company_name",
        "netsuite_id",
        "salesforce_id",
        "locked",
        "balance",
        "overdue_balance",
        "refreshed_at",
    ]
    list_filter = ["locked"]
    search_fields = ["company_name", "netsuite_id", "salesforce_id"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "salesforce_id",
        "account",
        "stage",
        "amount",
        "netsuite_estimate_id",
        "netsuite_sales_order_id",
    ]
    list_select_related = ["account"]
    search_fields = ["name", "salesforce_id", "account__name"]
    raw_id_fields = ["account"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    """Contacts follow their Account to NetSuite (sync/services/contacts.py)."""

    list_display = ["name", "salesforce_id", "account", "netsuite_id", "last_synced_at"]
    list_filter = [SyncStatusFilter]
    list_select_related = ["account"]
    search_fields = ["name", "=salesforce_id", "=netsuite_id"]
    readonly_fields = ["salesforce_id", "account", "fields", "last_modified", "netsuite_id"]
