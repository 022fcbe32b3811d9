"""SFNS URL configuration."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from sync import actions, dashboard, webhooks
from sync.api import docs, integration_settings, jobs, mappings, records

router = DefaultRouter()
router.register("accounts", records.AccountViewSet)
router.register("opportunities", records.OpportunityViewSet)
router.register("customers", records.CustomerViewSet)
router.register("jobs", jobs.SyncJobViewSet)
router.register("log", jobs.LogEntryViewSet)
router.register("mappings", mappings.FieldMappingViewSet)

# The admin index links to the health dashboard. A template named admin/index.html in an app
# would lose to django.contrib.admin's own (listed first in INSTALLED_APPS), hence this name.
admin.site.index_template = "admin/sfns_index.html"
# SFNS's name on every admin page, the login page and the browser's title bar included.
admin.site.site_header = "SFNS · Salesforce ↔ NetSuite sync"
admin.site.site_title = "SFNS admin"
admin.site.index_title = "SFNS administration"
# The app list lives on the index: without the sidebar the log's columns fit a 1280 px screen.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # Before admin.site.urls, whose catch-all would answer this path first.
    path(
        "admin/dashboard/",
        admin.site.admin_view(dashboard.health_dashboard),
        name="sfns-dashboard",
    ),
    path("admin/doctor/", admin.site.admin_view(dashboard.doctor_page), name="sfns-doctor"),
    path("admin/", admin.site.urls),
    path("api/schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("api/docs/", docs.DocsView.as_view(), name="api-docs"),
    path(
        "api/settings/",
        integration_settings.IntegrationSettingsView.as_view(),
        name="api-settings",
    ),
    path("api/", include(router.urls)),
    # The pages behind SFNS's buttons in Salesforce (deploy/salesforce).
    path("actions/", include(actions.urlpatterns)),
    path(
        "webhooks/salesforce/<str:token>/",
        webhooks.salesforce_outbound_message,
        name="salesforce-outbound-message",
    ),
    path(
        "webhooks/netsuite/customer/",
        webhooks.netsuite_customer_webhook,
        name="netsuite-customer-webhook",
    ),
]
