"""Saving an Account from anywhere enqueues through the outbox, and only if its mapping changed."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Account

from .services import push


@receiver(post_save, sender=Account, dispatch_uid="sync.account_saved")
def account_saved(sender, instance: Account, raw: bool = False, **kwargs) -> None:
    if not raw:  # loaddata restores rows; it changes nothing in Salesforce or NetSuite
        push.account_saved(account=instance)
