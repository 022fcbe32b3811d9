"""The Salesforce emulator (see app.py for what it covers)."""

from .app import SalesforceEmulator

__all__ = ["SalesforceEmulator"]
