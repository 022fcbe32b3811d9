from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the outbox signal handlers)
