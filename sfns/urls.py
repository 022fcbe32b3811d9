"""SFNS URL configuration."""

from django.contrib import admin
from django.urls import path

from sync import webhooks

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "webhooks/salesforce/<str:token>/",
        webhooks.salesforce_outbound_message,
        name="salesforce-outbound-message",
    ),
]
