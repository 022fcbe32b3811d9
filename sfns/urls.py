"""SFNS URL configuration."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from sync import api, webhooks

router = DefaultRouter()
router.register("accounts", api.AccountViewSet)
router.register("opportunities", api.OpportunityViewSet)
router.register("jobs", api.SyncJobViewSet)
router.register("log", api.LogEntryViewSet)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
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
