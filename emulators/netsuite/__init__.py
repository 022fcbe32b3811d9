"""The NetSuite emulator (see app.py for what it covers)."""

from .app import NetSuiteEmulator

__all__ = ["NetSuiteEmulator"]
