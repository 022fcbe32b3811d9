"""
What every SFNS admin page shares: a status as a coloured badge that also says it in words
(colour is never the only signal), times to the second, and searches that take a Salesforce id
in either of its forms.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.ids import salesforce_id_or_none

# Tone -> (background, text). Each pair keeps WCAG AA contrast (4.5:1 or better) for small text.
TONES = {
    "success": ("#1e7b34", "#ffffff"),
    "warning": ("#fde68a", "#5c3d00"),
    "error": ("#b42318", "#ffffff"),
    "locked": ("#475467", "#ffffff"),
    "neutral": ("#e4e7ec", "#344054"),
}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def badge(text: str, tone: str, *, symbol: str = "", title: str = "") -> SafeString:
    """
    A badge, styled inline so it looks the same on every admin page without a stylesheet of
    its own (the log list, the Account page, the dashboard).
    """
    background, color = TONES[tone]
    return format_html(
        '<span class="sfns-badge sfns-badge-{}" title="{}" style="display:inline-block;'
        "padding:1px 8px;border-radius:10px;background:{};color:{};font-size:0.75rem;"
        'font-weight:600;line-height:1.5;white-space:nowrap">{}{}</span>',
        tone,
        title or text,
        background,
        color,
        f"{symbol}\u00a0" if symbol else "",
        text,
    )


def admin_time(value: dt.datetime | None, *, empty: str = "") -> str:
    """A time to the second in the admin's time zone (TIME_ZONE), so rows of one minute order."""
    if value is None:
        return empty
    return timezone.localtime(value).strftime(TIME_FORMAT)


def search_salesforce_ids(search, request, queryset, search_term: str):
    """
    A ModelAdmin search that also finds a 15-character Salesforce id typed or pasted in (the
    records hold 18): the results for the words as typed, and for the id's 18-character form.
    """
    found, duplicates = search(request, queryset, search_term)
    term = search_term.strip()
    canonical = salesforce_id_or_none(term) if len(term) == 15 else None
    if canonical:
        by_id, more = search(request, queryset, canonical)
        found, duplicates = found | by_id, duplicates or more
    return found, duplicates


def work_permission(codename: str):
    """
    A ModelAdmin's has_<codename>_permission: the work permission of that name (sync.models
    WORK_PERMISSIONS), which the API and the buttons' pages ask for too. An admin action with
    permissions=[codename] is offered only to users who hold it.
    """

    def has_permission(self, request) -> bool:
        return request.user.has_perm(f"sync.{codename}")

    return has_permission
