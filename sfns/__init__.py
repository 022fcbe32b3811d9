"""SFNS: a self-hosted Salesforce <-> NetSuite account sync."""

from .celery import app as celery_app

__all__ = ("celery_app",)
