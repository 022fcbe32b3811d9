"""
Dates as SuiteQL shows and reads them: a plain date column comes back in the account's date
format with no time (ACCOUNT_DATE_FORMAT); TO_CHAR, TO_DATE and TO_TIMESTAMP take Oracle
format models ('YYYY-MM-DD"T"HH24:MI:SS'). The emulator's account is on UTC.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from .suiteql_parse import SuiteQLError

# NetSuite's default date preference (Set Preferences > Date Format); a plain
# SELECT lastmodifieddate answers "9/1/2026", without the time.
ACCOUNT_DATE_FORMAT = "M/D/YYYY"

_ELEMENT = re.compile(
    r'"[^"]*"|YYYY|YY|MM|MON|DD|HH24|HH12|HH|MI|SS|FF[1-9]?|AM|PM|[-/,.;: ]', re.IGNORECASE
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def account_date(value: dt.datetime) -> str:
    """value as the account's date format shows it (M/D/YYYY)."""
    return f"{value.month}/{value.day}/{value.year}"


def parse_stored(value: object) -> dt.datetime | None:
    """A stored REST value ("2026-09-01T10:00:00.000000Z" or "2026-09-01") as naive UTC."""
    if not isinstance(value, str):
        return None
    try:
        if value.endswith("Z"):  # the emulator's own stamps: the quick way
            return dt.datetime.fromisoformat(value[:-1])
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


@functools.lru_cache(maxsize=64)
def _elements(model: str) -> tuple[str, ...]:
    elements, pos = [], 0
    while pos < len(model):
        match = _ELEMENT.match(model, pos)
        if not match:
            raise SuiteQLError(f"ORA-01821: date format not recognized: {model}")
        elements.append(match[0] if match[0].startswith('"') else match[0].upper())
        pos = match.end()
    return tuple(elements)


def to_char(value: dt.datetime, model: str) -> str:
    """TO_CHAR(datetime, model)."""
    return "".join(_render(value, element) for element in _elements(model))


def _render(value: dt.datetime, element: str) -> str:
    hour12 = value.hour % 12 or 12
    fixed = {
        "YYYY": f"{value.year:04d}",
        "YY": f"{value.year % 100:02d}",
        "MM": f"{value.month:02d}",
        "MON": _MONTHS[value.month - 1],
        "DD": f"{value.day:02d}",
        "HH24": f"{value.hour:02d}",
        "HH12": f"{hour12:02d}",
        "HH": f"{hour12:02d}",
        "MI": f"{value.minute:02d}",
        "SS": f"{value.second:02d}",
        "AM": "AM" if value.hour < 12 else "PM",
        "PM": "AM" if value.hour < 12 else "PM",
    }
    if element in fixed:
        return fixed[element]
    if element.startswith("FF"):
        digits = int(element[2:] or 6)
        return f"{value.microsecond:06d}{'0' * 3}"[:digits]
    return element.strip('"') if element.startswith('"') else element


@functools.lru_cache(maxsize=64)
def _reader(model: str) -> re.Pattern[str]:
    groups = {
        "YYYY": r"(?P<year>\d{4})",
        "YY": r"(?P<yy>\d{2})",
        "MM": r"(?P<month>\d{1,2})",
        "MON": r"(?P<mon>[A-Za-z]{3})",
        "DD": r"(?P<day>\d{1,2})",
        "HH24": r"(?P<hour>\d{1,2})",
        "HH12": r"(?P<hour12>\d{1,2})",
        "HH": r"(?P<hour12>\d{1,2})",
        "MI": r"(?P<minute>\d{1,2})",
        "SS": r"(?P<second>\d{1,2})",
        "AM": r"(?P<meridian>AM|PM)",
        "PM": r"(?P<meridian>AM|PM)",
    }
    parts = []
    for element in _elements(model):
        if element.startswith("FF"):
            parts.append(r"(?P<fraction>\d{1,9})")
        elif element in groups:
            parts.append(groups[element])
        else:
            parts.append(re.escape(element.strip('"')))
    return re.compile("".join(parts), re.IGNORECASE)


def to_date(text: str, model: str) -> dt.datetime:
    """TO_DATE / TO_TIMESTAMP(text, model): the moment the text names, or ORA-01861."""
    match = _reader(model).fullmatch(text.strip())
    if not match:
        raise SuiteQLError(f"ORA-01861: literal does not match format string: '{text}'")
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    year = int(found["year"]) if "year" in found else 2000 + int(found.get("yy", 0))
    hour = int(found.get("hour", 0))
    if "hour12" in found:
        hour = int(found["hour12"]) % 12 + (12 if found.get("meridian", "").upper() == "PM" else 0)
    fraction = found.get("fraction", "")
    try:
        month = (
            _MONTHS.index(found["mon"].upper()) + 1
            if "mon" in found
            else int(found.get("month", 1))
        )
        return dt.datetime(
            year,
            month,
            int(found.get("day", 1)),
            hour,
            int(found.get("minute", 0)),
            int(found.get("second", 0)),
            int((fraction + "000000")[:6]) if fraction else 0,
        )
    except ValueError as exc:
        raise SuiteQLError(f"ORA-01847: {exc}: '{text}'") from None
