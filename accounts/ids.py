"""
Salesforce record ids: their shape, the 18-character form of a 15-character id, and the one
form SFNS stores (the mirrors hold 18-character ids as Salesforce's API gives them).
"""

from __future__ import annotations

import re
import string

SALESFORCE_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")
# The suffix's alphabet: character n says which of a 5-character chunk's letters are upper
# case, bit i for its character i (Salesforce's CASESAFEID()).
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
# Each letter or digit to "1" when upper case, else "0" (str.translate: a message of a hundred
# notifications holds hundreds of ids, each checked).
_CASE_FLAGS = str.maketrans(
    dict.fromkeys(string.ascii_uppercase, "1")
    | dict.fromkeys(string.ascii_lowercase + string.digits, "0")
)


class InvalidSalesforceId(ValueError):
    """Not a Salesforce id; the text says why, for an API answer or a refused message."""


def salesforce_id_18(salesforce_id: str) -> str:
    """
    The 18-character, case-safe form of a Salesforce id (an 18-character id is returned as
    it is). The suffix encodes which of the first 15 characters are upper case.
    """
    if len(salesforce_id) == 18:
        return salesforce_id
    return salesforce_id + _suffix(salesforce_id)


def _suffix(first_15: str) -> str:
    flags = first_15.translate(_CASE_FLAGS)
    return "".join(_SUFFIX_CHARS[int(flags[start : start + 5][::-1], 2)] for start in (0, 5, 10))


def salesforce_id_canonical(value: str) -> str:
    """
    The id as Salesforce's API writes it, 18 characters, for any form a person or a system
    may give: the 15-character id of Salesforce's URLs and reports (case-sensitive: its suffix
    is computed), or an 18-character id in any case (the suffix says which letters are upper
    case, so "001000000000001aaa" is "001000000000001AAA"). Raises InvalidSalesforceId for
    anything else, including a suffix no id can have (it marks a digit as upper case).
    """
    if not isinstance(value, str) or not SALESFORCE_ID.fullmatch(value):
        shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
        raise InvalidSalesforceId(f"{shown} is not a Salesforce id (15 or 18 letters and digits)")
    if len(value) == 15:
        return salesforce_id_18(value)
    if value[15:] == _suffix(value[:15]):  # as Salesforce's API writes it: the usual case
        return value
    suffix = value[15:].upper()
    chars = list(value[:15].lower())
    for chunk, suffix_char in enumerate(suffix):
        bits = _SUFFIX_CHARS.find(suffix_char)
        if bits < 0:
            raise _bad_checksum(value)
        for i in range(5):
            if bits >> i & 1:
                if not chars[chunk * 5 + i].isalpha():
                    raise _bad_checksum(value)
                chars[chunk * 5 + i] = chars[chunk * 5 + i].upper()
    return "".join(chars) + suffix


def _bad_checksum(value: str) -> InvalidSalesforceId:
    return InvalidSalesforceId(
        f"{value!r} is not a Salesforce id: its last 3 characters are not the checksum of "
        "the first 15"
    )


def salesforce_id_or_none(value: object) -> str | None:
    """salesforce_id_canonical(value), or None when value is not a Salesforce id."""
    try:
        return salesforce_id_canonical(value)  # type: ignore[arg-type]
    except InvalidSalesforceId:
        return None
