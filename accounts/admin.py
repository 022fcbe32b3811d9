"""
The mirrors in the admin, each record at its Salesforce id. The sync's buttons, actions and the
Account page's summary are added in sync/admin.py and sync/admin_account.py (this app never
imports the sync).
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sfns.admin_common import admin_time, badge, search_salesforce_ids

from .ids import SALESFORCE_ID, salesforce_id_or_none
from .models import Account, Contact, Customer, Opportunity

LOCK_TITLE = "NetSuite's Salesforce Lock Record is checked: SFNS does not update this customer."


def record_admin_url(record: Model) -> str:
    """The admin page of a mirror keyed by a Salesforce id, at that id."""
    opts = record._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(record.salesforce_id)]
    )


def pretty_json(value) -> SafeString:
    return format_html(
        '<pre class="sfns-json">{}</pre>', json.dumps(value, indent=2, sort_keys=True)
    )


def time_of(field: str):
    """A display method showing a time field to the second ("—" when empty)."""

    def shown(self, obj: Model) -> str:
        return admin_time(getattr(obj, field), empty="—")

    return shown


class SalesforceIdChangeList(ChangeList):
    def url_for_result(self, result) -> str:
        return record_admin_url(result)


class SalesforceIdAdmin(admin.ModelAdmin):
    """
    A record keyed by a Salesforce id answers at /admin/<app>/<model>/<id>/change/, in its 15-
    or 18-character form, as it does in the API and the webhooks. A numeric URL (an old
    bookmark, or a link the admin builds from the primary key) redirects there.
    """

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        if from_field is None and SALESFORCE_ID.fullmatch(object_id or ""):
            ids = {object_id, salesforce_id_or_none(object_id) or object_id}
            return self.get_queryset(request).filter(salesforce_id__in=ids).first()
        return super().get_object(request, object_id, from_field)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        # The Salesforce id is the record's identity (and an Account's Customer's external id).
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "salesforce_id"] if obj and "salesforce_id" not in fields else fields

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return SalesforceIdChangeList

    def get_search_results(self, request, queryset, search_term):
        return search_salesforce_ids(super().get_search_results, request, queryset, search_term)

    def _numeric_redirect(self, request: HttpRequest, object_id: str, view: str):
        if request.method != "GET" or not object_id.isdigit() or SALESFORCE_ID.fullmatch(object_id):
            return None
        record = super().get_object(request, object_id)
        if record is None:
            return None
        opts = self.model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{view}",
            args=[quote(record.salesforce_id)],
            current_app=self.admin_site.name,
        )
        query = request.META.get("QUERY_STRING")
        return HttpResponseRedirect(f"{url}?{query}" if query else url)

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        redirect = self._numeric_redirect(request, unquote(object_id), "change")
        return redirect or super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None) -> HttpResponse:
        redirect = self._numeric_redirect(request, unquote(object_id), "delete")
        return redirect or super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None) -> HttpResponse:
        if redirect := self._numeric_redirect(request, unquote(object_id), "history"):
            return redirect
        record = self.get_object(request, unquote(object_id))
        # Django keeps an object's history under its primary key.
        return super().history_view(request, str(record.pk) if record else object_id, extra_context)

    def response_add(self, request, obj, post_url_continue=None) -> HttpResponse:
        return super().response_add(request, obj, post_url_continue or record_admin_url(obj))

    @admin.display(description="Salesforce fields (as received; the sync writes them)")
    def raw_fields(self, obj: Model) -> SafeString:
        return pretty_json(obj.fields)


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


class NetSuiteLockFilter(admin.SimpleListFilter):
    """The customer's lock, from the Customer mirror (AccountAdmin.get_queryset annotates it)."""

    title = "locked in NetSuite"
    parameter_name = "netsuite_lock"

    def lookups(self, request, model_admin):
        return [("locked", "Locked in NetSuite"), ("unlocked", "Linked, not locked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "locked":
            return queryset.filter(netsuite_locked=True)
        if self.value() == "unlocked":
            return queryset.exclude(netsuite_id="").filter(netsuite_locked=False)
        return queryset


def account_status_badges(account: Account) -> SafeString:
    """The Account's state in the list: deleted, failing, locked, synced or never synced."""
    badges = []
    if account.deleted_at:
        badges.append(badge("Deleted in Salesforce", "neutral"))
    if account.last_sync_error:
        error = account.last_sync_error
        badges.append(
            format_html(
                '{} <span title="{}">{}</span>',
                badge("Error", "error", symbol="✗", title=error[:1000]),
                error[:1000],
                error[:60] + ("…" if len(error) > 60 else ""),
            )
        )
    if not account.is_linked:
        badges.append(badge("Not linked", "neutral"))
    elif getattr(account, "netsuite_locked", False):
        badges.append(badge("Locked in NetSuite", "locked", title=LOCK_TITLE))
    elif not account.last_sync_error:
        badges.append(
            badge("Synced", "success", symbol="✓")
            if account.last_synced_at
            else badge("Linked, never synced", "neutral")
        )
    return format_html(" ".join(["{}"] * len(badges)), *badges)


# The sync status, shown read-only on an Account's page (SFNS writes it, not a person).
SYNC_STATUS_FIELDS = [
    "last_synced",
    "last_sync_error",
    "last_modified_at",
    "deleted",
    "created",
    "updated",
]


@admin.register(Account)
class AccountAdmin(SalesforceIdAdmin):
    list_display = ["name", "salesforce_id", "netsuite_id", "sync_status", "last_synced"]
    list_filter = [SyncStatusFilter, NetSuiteLockFilter]
    search_fields = ["name", "salesforce_id", "netsuite_id"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    # The Salesforce fields are the mirror the sync writes: shown, never a form field.
    fieldsets = [
        (None, {"fields": ["name", "salesforce_id", "parent", "netsuite_id"]}),
        ("Sync status", {"fields": SYNC_STATUS_FIELDS}),
    ]
    readonly_fields = ["fields", *SYNC_STATUS_FIELDS]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        locked = Customer.objects.filter(netsuite_id=OuterRef("netsuite_id"), locked=True)
        return super().get_queryset(request).annotate(netsuite_locked=Exists(locked))

    @admin.display(description="NetSuite sync")
    def sync_status(self, obj: Account) -> SafeString:
        return account_status_badges(obj)

    # Times to the second, in the admin's time zone, as on every SFNS admin page.
    last_synced = admin.display(description="last successful sync", ordering="last_synced_at")(
        time_of("last_synced_at")
    )
    last_modified_at = admin.display(description="last modified in Salesforce")(
        time_of("last_modified")
    )
    deleted = admin.display(description="deleted in Salesforce")(time_of("deleted_at"))
    created = admin.display(description="created in SFNS")(time_of("created_at"))
    updated = admin.display(description="updated in SFNS")(time_of("updated_at"))


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
class OpportunityAdmin(SalesforceIdAdmin):
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
    exclude = ["fields"]
    readonly_fields = ["raw_fields"]


@admin.register(Contact)
class ContactAdmin(SalesforceIdAdmin):
    """Contacts follow their Account to NetSuite (sync/services/contacts.py)."""

    list_display = ["name", "salesforce_id", "account", "netsuite_id", "last_synced"]
    list_filter = [SyncStatusFilter]
    list_select_related = ["account"]
    search_fields = ["name", "=salesforce_id", "=netsuite_id"]
    exclude = ["fields"]
    readonly_fields = ["salesforce_id", "account", "raw_fields", "last_modified", "netsuite_id"]
    last_synced = admin.display(description="last successful sync", ordering="last_synced_at")(
        time_of("last_synced_at")
    )
