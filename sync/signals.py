"""Saving an Account from anywhere enqueues through the outbox, and only if its mapping changed."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Account

from . import services
from .mapping import MappingError


@receiver(post_save, sender=Account, dispatch_uid="sync.account_saved")
def account_saved(sender, instance: Account, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata
        return
    try:
        mapped_hash = services.account_mapped_hash(instance)
    except MappingError:
        # A broken mapping must not break saving an Account: the push job will fail with the
        # mapping's error in the log, where an admin sees it.
        mapped_hash = ""
    if mapped_hash and mapped_hash == instance.mapped_hash:
        return
    Account.objects.filter(pk=instance.pk).update(mapped_hash=mapped_hash)
    instance.mapped_hash = mapped_hash
    services.account_changed(account=instance)
