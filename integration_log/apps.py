from django.apps import AppConfig


class IntegrationLogConfig(AppConfig):
    name = "integration_log"
    verbose_name = "Integration log"
