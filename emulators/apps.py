"""The emulators app: only stdlib and Django here, so it loads without the `emulators` extra."""

from __future__ import annotations

from django.apps import AppConfig


class EmulatorsConfig(AppConfig):
    name = "emulators"
    verbose_name = "Salesforce and NetSuite emulators (development and tests only)"
