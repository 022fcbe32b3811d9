from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from .models import IntegrationSettings
from .services import integration_settings_update


@admin.register(IntegrationSettings)
class IntegrationSettingsAdmin(admin.ModelAdmin):
    """One record: the list page goes straight to it."""

    fieldsets = [
        (
            "Sync behaviour",
            {
                "fields": [
                    "create_only",
                    "sync_account_on_sales_order",
                    "won_stages",
                    "check_lock_before_push",
                    "financials_on_their_own",
                ]
            },
        ),
        (
            "Matching existing customers (at link time and in the backfill)",
            {
                "fields": [
                    "match_by_name",
                    "match_by_website",
                    "match_by_phone",
                    "match_by_email_domain",
                ]
            },
        ),
        (
            "Reconcile and deletions",
            {"fields": ["reconcile_minutes", "deactivate_customer_of_deleted_account"]},
        ),
        (
            "Failure notices (an email digest of the syncs that failed)",
            {
                "fields": [
                    "failure_notice_emails",
                    "failure_notice_group",
                    "failure_notice_minutes",
                ]
            },
        ),
        (
            "Opportunity products (estimate and sales order lines)",
            {
                "fields": [
                    "product_key_field",
                    "product_item_lookup",
                    "product_item_match",
                    "netsuite_estimate_item_id",
                ]
            },
        ),
        (
            "Salesforce",
            {
                "fields": [
                    "salesforce_edition",
                    "salesforce_netsuite_id_field",
                    "salesforce_netsuite_sync_field",
                ]
            },
        ),
        (
            "NetSuite",
            {
                "fields": [
                    "netsuite_lock_field",
                    "netsuite_salesforce_id_field",
                    "netsuite_default_subsidiary_id",
                    "netsuite_default_currency_id",
                    "netsuite_additional_currency_ids",
                ]
            },
        ),
    ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        obj = IntegrationSettings.load()
        return HttpResponseRedirect(
            reverse("admin:settings_integrationsettings_change", args=[obj.pk])
        )

    def save_model(self, request: HttpRequest, obj: IntegrationSettings, form, change) -> None:
        """Through the one write path of the settings, which logs who changed what."""
        changes = {name: getattr(obj, name) for name in form.changed_data}
        integration_settings_update(changes=changes, user=request.user, via="admin")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
