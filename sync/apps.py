from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        # Connect the signal handlers, and register the tasks the outbox sends by name.
        from . import signals, tasks  # noqa: F401
