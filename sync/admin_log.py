"""
The integration log in the admin with its records named and linked (the log itself knows only
ids), and the retry of the selected entries' work.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin import record_admin_url
from accounts.selectors import records_by_salesforce_id
from integration_log.admin import LogEntryAdmin, logged_records
from integration_log.models import LogEntry, Operation
from sfns.admin_common import work_permission

from . import outbox

NAMED = 3  # records a write-back names in the list; its page names them all
LIST_OF = {
    "Account": "admin:accounts_account_changelist",
    "Contact": "admin:accounts_contact_changelist",
}


def _is_batch(entry: LogEntry) -> bool:
    """A write-back of many records (a record it could not write has an entry of its own)."""
    return entry.operation == Operation.STATUS_WRITEBACK and not entry.salesforce_id


def _link(record: Model) -> SafeString:
    return format_html('<a href="{}">{}</a>', record_admin_url(record), record.name)


def _names(ids: list[str], found: dict[str, Model]) -> SafeString:
    return format_html_join(", ", "{}", ((_link(found[i]) if i in found else i,) for i in ids))


def _batch(entry: LogEntry, found: dict[str, Model], named: int | None) -> SafeString | str:
    """ "3 Accounts: Acme, Globex, Initech", the first few linked, the rest one link away."""
    sobject, ids = logged_records(entry)
    if not ids:
        return ""
    count = f"{len(ids)} {sobject}{'' if len(ids) == 1 else 's'}"
    shown = ids if named is None else ids[:named]
    more = ""
    if len(ids) > len(shown):
        url = reverse(LIST_OF.get(sobject, LIST_OF["Account"]))
        more = format_html(
            ' … <a href="{}?{}">all {}</a>',
            url,
            urlencode({"salesforce_id__in": ",".join(ids)}),
            len(ids),
        )
    return format_html("{}: {}{}", count, _names(shown, found), more)


def name_records(entries: Iterable[LogEntry], *, named: int | None = NAMED) -> None:
    """Find the records a page of entries names, in one query a model, and keep them on each."""
    entries = list(entries)
    wanted: set[str] = set()
    for entry in entries:
        if _is_batch(entry):
            ids = logged_records(entry)[1]
            wanted.update(ids if named is None else ids[:named])
        elif entry.salesforce_id:
            wanted.add(entry.salesforce_id)
    found = records_by_salesforce_id(wanted)
    for entry in entries:
        entry.sfns_records = found


class SyncLogEntryAdmin(LogEntryAdmin):
    actions = ["retry"]

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        name_records(changelist.result_list)  # the page's entries, evaluated once here
        return changelist

    def _found(self, obj: LogEntry, named: int | None) -> dict[str, Model]:
        if not hasattr(obj, "sfns_records"):
            name_records([obj], named=named)
        return obj.sfns_records

    @admin.display(description="record")
    def record(self, obj: LogEntry) -> SafeString | str:
        found = self._found(obj, NAMED)
        if _is_batch(obj):
            return _batch(obj, found, NAMED)
        netsuite = (
            format_html("<br><small>NetSuite {}</small>", obj.netsuite_id)
            if obj.netsuite_id
            else ""
        )
        record = found.get(obj.salesforce_id)
        if record is None:
            return format_html("{}{}", obj.salesforce_id, netsuite)
        return format_html("{}<br><small>{}</small>{}", _link(record), obj.salesforce_id, netsuite)

    @admin.display(description="record")
    def records(self, obj: LogEntry) -> SafeString | str:
        """On the entry's page: every record a write-back wrote, or the entry's one record."""
        if _is_batch(obj):
            return _batch(obj, self._found(obj, None), None)
        return self.record(obj) or "—"

    has_retry_job_permission = work_permission("retry_job")

    @admin.action(
        description="Retry the failed work of the selected entries (current state)",
        permissions=["retry_job"],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        """As the API and the jobs' own action: failed jobs only, for those who may retry."""
        job_ids = queryset.exclude(job_id=None).values_list("job_id", flat=True)
        retry_failed_jobs(self, request, job_ids)


def retry_failed_jobs(
    modeladmin: admin.ModelAdmin, request: HttpRequest, job_ids: Iterable[int]
) -> None:
    """The admin's retry actions (jobs, log entries): the failed jobs queued again, said so."""
    queued, left = outbox.failed_jobs_retry(job_ids=job_ids)
    modeladmin.message_user(
        request,
        f"{queued} job(s) queued again" + (f"; {left} not failed, left alone." if left else "."),
        messages.SUCCESS,
    )
