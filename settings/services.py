"""Changing the integration settings: checked by the model's rules, and logged with who did it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record

from .models import IntegrationSettings


def editable_fields() -> list[str]:
    """The settings a person may change (not the ones SFNS keeps for itself)."""
    return [
        field.name
        for field in IntegrationSettings._meta.concrete_fields
        if field.editable and not field.primary_key
    ]


def _shown(conf: IntegrationSettings, name: str) -> Any:
    """A setting's value as the log keeps it (JSON): a group by its name."""
    if name == "failure_notice_group":
        return conf.failure_notice_group.name if conf.failure_notice_group_id else None
    return getattr(conf, name)


@transaction.atomic
def integration_settings_update(
    *, changes: dict[str, Any], user: Any, via: str = "api"
) -> IntegrationSettings:
    """
    Apply changes ({field: value}) to the settings, all or none: the model's validators and
    clean() must pass (a Django ValidationError says which field is wrong). What changed is
    logged, before and after, with the user who changed it; a change to the same values
    logs nothing.
    """
    IntegrationSettings.load()
    conf = IntegrationSettings.objects.select_for_update().get(pk=IntegrationSettings.SINGLETON_PK)
    before = {name: _shown(conf, name) for name in changes}
    for name, value in changes.items():
        setattr(conf, name, value)
    conf.full_clean()
    diff = {
        name: [before[name], _shown(conf, name)]
        for name in changes
        if before[name] != _shown(conf, name)
    }
    if not diff:
        return conf
    conf.save()
    username = user.get_username()
    record(
        operation=Operation.SETTINGS_CHANGE,
        direction=Direction.IN_SFNS,
        outcome=Outcome.SUCCESS,
        reason=f"{username} changed {', '.join(diff)} ({via})",
        request={"user": username, "user_id": user.pk, "via": via},
        diff=diff,
    )
    return conf
