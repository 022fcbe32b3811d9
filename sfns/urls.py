"""SFNS URL configuration."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from sync import actions, api, dashboard, webhooks

router = DefaultRouter()
router.register("accounts", api.AccountViewSet)
router.register("opportunities", api.OpportunityViewSet)
router.register("jobs", api.SyncJobViewSet)
router.register("log", api.LogEntryViewSet)

# The admin index links to the health dashboard. A template named admin/index.html in an app
# would lose to django.contrib.admin's own (listed first in INSTALLED_APPS), hence this name.
admin.site.index_template = "admin/sfns_index.html"
admin.site.site_header = admin.site.site_title = "SFNS"

urlpatterns = [
    # Before admin.site.urls, whose catch-all would answer this path first.
    path(
        "admin/dashboard/",
        admin.site.admin_view(dashboard.health_dashboard),
        name="sfns-dashboard",
    ),
    path("admin/doctor/", admin.site.admin_view(dashboard.doctor_page), name="sfns-doctor"),
    path("admin/", admin.site.urls),
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
