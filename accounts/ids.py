"""Salesforce record ids: their shape, and the 18-character form of a 15-character id."""

from __future__ import annotations

import re

SALESFORCE_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id_18(salesforce_id: str) -> str:
    """
    The 18-character, case-safe form of a Salesforce id (an 18-character id is returned as
    it is). The suffix encodes which of the first 15 characters are upper case.
    """
    if len(salesforce_id) == 18:
        return salesforce_id
    suffix = ""
    for start in (0, 5, 10):
        chunk = salesforce_id[start : start + 5]
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _SUFFIX_CHARS[bits]
    return salesforce_id + suffix
