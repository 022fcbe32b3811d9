"""
The Account page in the admin, as the sync sees it: what Salesforce holds in words (the mapped
fields, its financials), its NetSuite customer with the lock, its latest log entries, and the
buttons that queue sync work (POST only, each calling one service).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from accounts.admin import LOCK_TITLE, AccountAdmin, record_admin_url
from accounts.models import Account, Customer
from accounts.services import FINANCIAL_FIELDS
from integration_log.admin import operation_short, outcome_badge, short_reason
from integration_log.models import LogEntry
from sfns.admin_common import admin_time, badge, work_permission

from .clients.errors import ClientError
from .errors import SyncRefused
from .mapping import get_path
from .models import MappingDirection
from .selectors import account_outbound_payload, mapping_rules
from .services import link, update_from_netsuite

RECENT_LOG_ENTRIES = 10
ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country")
SHOWN_SOURCES = {"Id", "Name", "Phone", "Website"} | {
    f"{kind}{part}" for kind in ("Billing", "Shipping") for part in ADDRESS_PARTS
}


def _words(name: str) -> str:
    """A field name in words: "overdueBalance" and "NetSuite_Overdue_Balance__c" alike."""
    name = re.sub(r"__c$", "", name).replace("_", " ")
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).strip()
    return spaced[:1].upper() + spaced[1:].lower()


def _amount(value: Any) -> str:
    """A figure with thousands separators: whole numbers as they are, others to the cent."""
    if value in (None, ""):
        return "—"
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return f"{int(value):,}"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _text(value: Any) -> str:
    if value in (None, ""):
        return "—"
    return value if isinstance(value, str) else json.dumps(value)


def _website(value: str) -> SafeString | str:
    if not value:
        return "—"
    href = value if re.match(r"https?://", value, re.IGNORECASE) else f"https://{value}"
    if not re.fullmatch(r"https?://[^\s\"'<>]+", href, re.IGNORECASE):
        return value
    return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', href, value)


def _address(fields: dict[str, Any], kind: str) -> SafeString | str:
    street, city, state, postal_code, country = (fields.get(kind + p) for p in ADDRESS_PARTS)
    town = " ".join(str(v) for v in (state, postal_code) if v)
    lines = [
        *str(street or "").splitlines(),
        ", ".join(str(v) for v in (city, town) if v),
        str(country or ""),
    ]
    lines = [line for line in lines if line.strip()]
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"


def salesforce_rows(account: Account) -> list[dict[str, Any]]:
    """The Account's mapped fields in words: what it is, where, and what it owes NetSuite."""
    fields = account.fields or {}
    rows = [
        {"label": "Name", "value": account.name},
        {"label": "Phone", "value": fields.get("Phone") or "—"},
        {"label": "Website", "value": _website(str(fields.get("Website") or ""))},
        {"label": "Billing address", "value": _address(fields, "Billing")},
        {"label": "Shipping address", "value": _address(fields, "Shipping")},
    ]
    for rule in mapping_rules(MappingDirection.TO_NETSUITE):
        if rule.source and rule.source not in SHOWN_SOURCES:
            rows.append(
                {
                    "label": _words(rule.source),
                    "value": _text(get_path(fields, rule.source)),
                    "title": f"{rule.source} → NetSuite {rule.target}",
                }
            )
    for n, rule in enumerate(mapping_rules(MappingDirection.TO_SALESFORCE)):
        rows.append(
            {
                "section": "" if n else "From NetSuite (the fields it writes back)",
                "label": _words(rule.source),
                "value": _amount(fields.get(rule.target)),
                "title": f"{rule.target}, from NetSuite's {rule.source}",
                "number": True,
            }
        )
    return _unique(rows)


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, kept = set(), []
    for row in rows:
        if row["label"] not in seen:
            seen.add(row["label"])
            kept.append(row)
    return kept


def customer_card(account: Account) -> dict[str, Any] | None:
    """The Account's NetSuite customer as last read (not a foreign key: by its internal id)."""
    if not account.is_linked:
        return None
    customer = Customer.objects.filter(netsuite_id=account.netsuite_id).first()
    if customer is None:
        return {"customer": None}
    lock = (
        badge("Locked in NetSuite", "locked", title=LOCK_TITLE)
        if customer.locked
        else badge("Not locked", "neutral")
    )
    financials = [
        {
            "label": customer._meta.get_field(column).verbose_name.capitalize(),
            "value": _amount(getattr(customer, column)),
        }
        for column in FINANCIAL_FIELDS.values()
    ]
    return {
        "customer": customer,
        "url": reverse("admin:accounts_customer_change", args=[customer.pk]),
        "lock": lock,
        "financials": financials,
        "refreshed_at": admin_time(customer.refreshed_at, empty="never"),
    }


def recent_log(account: Account) -> list[dict[str, Any]]:
    entries = LogEntry.objects.filter(salesforce_id=account.salesforce_id).order_by(
        "-created_at", "-id"
    )[:RECENT_LOG_ENTRIES]
    return [
        {
            "url": reverse("admin:integration_log_logentry_change", args=[entry.pk]),
            "when": admin_time(entry.created_at),
            "outcome": outcome_badge(entry.outcome),
            "operation": operation_short(entry.operation),
            "operation_title": entry.get_operation_display(),
            "reason": short_reason(entry.reason, 120),
        }
        for entry in entries
    ]


def account_page(account: Account) -> dict[str, Any]:
    log_list = reverse("admin:integration_log_logentry_changelist")
    return {
        "sfns_salesforce_rows": salesforce_rows(account),
        "sfns_raw_fields": json.dumps(account.fields, indent=2, sort_keys=True),
        "sfns_customer": customer_card(account),
        "sfns_log": recent_log(account),
        "sfns_log_all": f"{log_list}?q={account.salesforce_id}",
    }


def queue_each(modeladmin, request, objects, service, what: str) -> None:
    queued, refused = 0, []
    for obj in objects:
        try:
            service(obj)
            queued += 1
        except ClientError as exc:  # a refusal, or Salesforce/NetSuite not answering
            refused.append(exc.message)
    if queued:
        modeladmin.message_user(request, f"{what}: {queued} queued.", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.ERROR)


def _sync(account: Account):
    return link.account_request_link_or_push(account=account)


def _update(account: Account):
    return update_from_netsuite.account_request_update_from_netsuite(account=account)


class SyncAccountAdmin(AccountAdmin):
    change_form_template = "admin/accounts/account/sync_change_form.html"
    actions = ["sync_to_netsuite", "update_from_netsuite"]
    # The work permissions, as the API and the buttons' pages ask for them.
    has_sync_account_permission = work_permission("sync_account")
    has_link_account_permission = work_permission("link_account")
    has_update_account_from_netsuite_permission = work_permission("update_account_from_netsuite")

    @admin.action(
        description="Sync to NetSuite (create and link if needed)", permissions=["sync_account"]
    )
    def sync_to_netsuite(self, request: HttpRequest, queryset: QuerySet) -> None:
        queue_each(self, request, queryset, _sync, "Sync to NetSuite")

    @admin.action(description="Update from NetSuite", permissions=["update_account_from_netsuite"])
    def update_from_netsuite(self, request: HttpRequest, queryset: QuerySet) -> None:
        queue_each(self, request, queryset, _update, "Update from NetSuite")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(account_page(obj))
            context["may"] = {
                "sync": self.has_sync_account_permission(request),
                "link": self.has_link_account_permission(request),
                "update": self.has_update_account_from_netsuite_permission(request),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        views = [
            ("sync-to-netsuite", self.sync_view, "sync_to_netsuite"),
            ("update-from-netsuite", self.update_from_netsuite_view, "update_from_netsuite"),
            ("link-choice", self.link_choice_view, "link_choice"),
            ("preview", self.preview_view, "preview"),
        ]
        return [
            *(
                path(
                    f"<str:object_id>/{route}/",
                    self.admin_site.admin_view(view),
                    name=f"accounts_account_{name}",
                )
                for route, view, name in views
            ),
            *super().get_urls(),
        ]

    def _account(self, request: HttpRequest, object_id: str) -> Account:
        """The Account of a button's URL: its Salesforce id (15 or 18), or its old numeric id."""
        account = self.get_object(request, object_id)
        if account is None:
            raise Http404("No such Account.")
        return account

    def _button(
        self, request: HttpRequest, object_id: str, service, what: str, permission: str
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self._account(request, object_id)
        if not request.user.has_perm(f"sync.{permission}"):
            return HttpResponseForbidden(f"{what} needs the permission sync.{permission}.")
        queue_each(self, request, [account], service, what)
        return HttpResponseRedirect(record_admin_url(account))

    def sync_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._button(request, object_id, _sync, "Sync to NetSuite", "sync_account")

    def link_choice_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """After an ambiguous match: link the customer given, or create a new one."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("sync.link_account"):
            return HttpResponseForbidden("Linking needs the permission sync.link_account.")
        create = bool(request.POST.get("create"))
        netsuite_id = "" if create else request.POST.get("netsuite_id", "").strip()
        if not create and not re.fullmatch(r"[0-9]{1,32}", netsuite_id):
            self.message_user(
                request,
                f"{netsuite_id[:40]!r} is not a NetSuite internal id (digits only).",
                messages.ERROR,
            )
            return HttpResponseRedirect(record_admin_url(self._account(request, object_id)))
        return self._button(
            request,
            object_id,
            lambda a: link.account_request_link_choice(account=a, netsuite_id=netsuite_id),
            f"Link to customer {netsuite_id}" if netsuite_id else "Create a new customer",
            "link_account",
        )

    def update_from_netsuite_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._button(
            request, object_id, _update, "Update from NetSuite", "update_account_from_netsuite"
        )

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        account = self._account(request, object_id)
        if not self.has_view_permission(request, account):
            raise PermissionDenied
        try:
            payload = json.dumps(account_outbound_payload(account), indent=2, sort_keys=True)
        except SyncRefused as exc:
            payload = exc.message
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": account,
            "title": f"NetSuite payload preview: {account}",
            "payload": payload,
        }
        return TemplateResponse(request, "admin/accounts/account/preview.html", context)
