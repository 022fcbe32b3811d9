"""
Salesforce record ids as the emulated org makes them: a key prefix per sObject, a pod, a base62
sequence and the case-safe suffix of the 18-character form.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "Organization": "00D",
    "User": "005",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "OpportunityLineItem": "00k",
}
# Characters 4-6 of a real id are the pod and a reserved character; any fixed value will do.
POD = "5g0"


def id18(id15: str) -> str:
    """Salesforce's case-safe suffix: one character per 5-char chunk, bit i set if char i is A-Z."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def normalise_id(value: Any) -> str | None:
    """The 18-char form of a 15- or 18-char id, or None when value is not shaped like an id."""
    if not isinstance(value, str) or not ID_RE.match(value):
        return None
    return id18(value[:15])


def base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rem = divmod(number, 62)
        digits = BASE62[rem] + digits
    return digits.rjust(width, "0")[-width:]


def random_id(prefix: str) -> str:
    return id18(prefix + POD + "".join(secrets.choice(BASE62) for _ in range(9)))
