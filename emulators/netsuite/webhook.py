"""
Change notifications as the SuiteScript SFNS ships sends them (deploy/netsuite, its User Event
script): customer creates, updates and deletes POSTed as JSON, signed with HMAC-SHA256 over
"timestamp.body". Like the script, an update is posted only when a watched field changed, and
nothing is posted for SFNS's own writes when the deployment names the integration user. The
script's parameters are the deployment's (package.script_parameters), changed at run time with
POST /__emulator__/script.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings
from werkzeug.wrappers import Request, Response

from ..base import json_response

# runtime.ContextType values: a REST web services request, and a user in the NetSuite UI.
REST_CONTEXT = "RESTWEBSERVICES"
UI_CONTEXT = "USERINTERFACE"
# runtime.getCurrentUser().id in each: the employee the emulator's one access token belongs to
# (set custscript_sfns_integration_user to it to mark REST writes as SFNS's own), and the user
# who edits through /__emulator__/edit (-5, the account's first administrator).
REST_USER_ID = "7"
UI_USER_ID = "-5"

WATCHED_FIELDS = "custscript_sfns_watched_fields"
MAPPED_FIELDS = "custscript_sfns_mapped_fields"
INTEGRATION_USER = "custscript_sfns_integration_user"
# The script's fallbacks when these parameters are empty.
FIELD_PARAMETERS = {
    "custscript_sfns_lock_field": "custentity_sfns_lock_record",
    "custscript_sfns_sfid_field": "custentity_sfns_salesforce_id",
}
SKIPPED_SFNS_WRITE = "sfns_write"
SKIPPED_UNCHANGED = "unchanged"


def field_list(text: str | None) -> list[str]:
    """ "a, B ,c" -> ["a", "b", "c"]: the script's field ids are lower case."""
    return [name.strip().lower() for name in (text or "").split(",") if name.strip()]


def watched_fields(params: dict[str, str]) -> set[str] | None:
    """The fields whose change is posted, or None when every save is (no watched list)."""
    watched = field_list(params.get(WATCHED_FIELDS))
    if not watched:
        return None
    custom = [(params.get(name) or default) for name, default in FIELD_PARAMETERS.items()]
    return {*watched, *field_list(",".join(custom)), *field_list(params.get(MAPPED_FIELDS))}


def comparable(value: Any) -> str:
    """A field's value as the script compares it: empty, null and an unchecked box alike, a
    reference by its id (SuiteScript's getValue gives the internal id), numbers as JavaScript
    prints them."""
    if value is None or value is False or value == "":
        return ""
    if value is True:
        return "true"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, dict):
        return comparable(value.get("id")) if "id" in value else json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return ",".join(comparable(item) for item in value)
    return str(value)


def skip_reason(
    *,
    event: str,
    params: dict[str, str],
    context: str,
    user: str,
    before: dict | None,
    after: dict,
) -> str:
    """Why the script would not post this change ("" when it would): the same decisions as
    deploy/netsuite/.../sfns_customer_ue.js, over REST field names matched by lower case."""
    integration_user = (params.get(INTEGRATION_USER) or "").strip()
    if integration_user and context == REST_CONTEXT and user == integration_user:
        return SKIPPED_SFNS_WRITE
    watched = watched_fields(params)
    if event != "update" or watched is None or before is None:
        return ""
    old = {key.lower(): value for key, value in before.items()}
    new = {key.lower(): value for key, value in after.items()}
    if any(comparable(old.get(name)) != comparable(new.get(name)) for name in watched):
        return ""
    return SKIPPED_UNCHANGED


class WebhookMixin:
    """Posts customer changes to the notify URL; a 2xx answer is a delivery."""

    state: dict[str, Any]
    stats: dict[str, Any]

    def notification_accepted(self, response: Any) -> bool:
        return 200 <= response.status_code < 300

    def change_snapshot(self, rtype: str, record: dict) -> dict | None:
        """The record before a change, for the comparison (None when nothing would be posted)."""
        if not self.notifier or rtype != "customer":
            return None
        return copy.deepcopy(record)

    def _notify_change(
        self,
        request: Request | None,
        rtype: str,
        rid: str,
        event: str,
        record: dict | None = None,
        before: dict | None = None,
    ) -> None:
        """
        `request`: the REST request that made the change; None for a user in the UI.
        `record`: the deleted record, as the SuiteScript's context.oldRecord would give it.
        `before`: an updated record as it was (change_snapshot), for the watched fields.
        """
        if not self.notifier or rtype != "customer":
            return
        record = record if record is not None else self._records(rtype).get(rid, {})
        rest = request is not None
        skipped = skip_reason(
            event=event,
            params=self.state["script_parameters"],
            context=REST_CONTEXT if rest else UI_CONTEXT,
            user=REST_USER_ID if rest else UI_USER_ID,
            before=before,
            after=record,
        )
        if skipped:
            with self.lock:
                self.stats["calls"][f"webhook_skipped_{skipped}"] += 1
            return
        payload = {
            "event": event,
            "recordType": rtype,
            "id": rid,
            "externalId": record.get("externalId"),
            "lastModifiedDate": record.get("lastModifiedDate"),
            "fields": copy.deepcopy(record),
        }
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(
            settings.SFNS_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        self.notify(
            body,
            {
                "Content-Type": "application/json",
                "X-SFNS-Timestamp": stamp,
                "X-SFNS-Signature": f"sha256={signature}",
            },
        )

    def script_control(self, request: Request) -> Response:
        """
        GET /__emulator__/script: the deployment's parameters and who makes each kind of change.
        POST {"custscript_sfns_integration_user": "7", ...}: set parameters, as an admin editing
        the deployment would (null empties one). Call with the lock held.
        """
        params = self.state["script_parameters"]
        if request.method == "POST":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return _refused("the body is an object of script parameters and their values")
            unknown = sorted(name for name in body if name not in params)
            if unknown:
                known = ", ".join(sorted(params)) or "none"
                return _refused(f"no script parameter {', '.join(unknown)} (known: {known})")
            wrong = sorted(k for k, v in body.items() if v is not None and not isinstance(v, str))
            if wrong:
                return _refused(f"{', '.join(wrong)}: a parameter's value is a string or null")
            params.update({name: value or "" for name, value in body.items()})
            self.save_state()
        return json_response(
            {"parameters": params, "rest_user": REST_USER_ID, "ui_user": UI_USER_ID}
        )


def _refused(message: str) -> Response:
    return json_response({"ok": False, "error": message}, 400)
