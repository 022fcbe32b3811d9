"""
Pure matching of Accounts to customers that SFNS did not create: the keys each record gives
(normalized company name, website domain, phone digits, email domain) and the decision, rule by
rule, in a fixed order. No ORM, no HTTP.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# The rules, in the order they are tried; each can be switched off in the settings.
NAME, WEBSITE, PHONE, EMAIL = "company name", "website domain", "phone", "email domain"
RULES = (NAME, WEBSITE, PHONE, EMAIL)

# Words that say what kind of company it is, not which: "Acme Inc." is "Acme Incorporated".
LEGAL_FORMS = frozenset(
    [
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "companies",
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "asa",
        "pty",
        "pte",
        "kk",
        "the",
    ]
)
# Mail providers anyone can use: a shared email domain there says nothing about the company.
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
    ]
)
MIN_PHONE_DIGITS = 7


def company_name_key(name: str | None) -> str:
    """ "ACME, Inc." and "Acme Incorporated" -> "acme": case, accents, punctuation and legal
    forms do not tell companies apart."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text.replace(".", ""))  # "S.A." is "SA"
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def domain_key(url: str | None) -> str:
    """ "https://www.Acme.com/about" -> "acme.com"."""
    text = (url or "").strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return host if "." in host else ""


def phone_key(phone: str | None) -> str:
    """The last ten digits: "+1 (415) 555-0100" and "415.555.0100" are one number."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= MIN_PHONE_DIGITS else ""


def email_domain_key(email: str | None) -> str:
    """ "ap@Acme.com" -> "acme.com"; "" for a free-mail address."""
    _, at, domain = (email or "").strip().lower().rpartition("@")
    return domain if at and "." in domain and domain not in FREE_MAIL else ""


def account_keys(fields: Mapping[str, object]) -> dict[str, str]:
    """An Account's key for each rule (Salesforce field names); "" where it has none."""
    website = domain_key(str(fields.get("Website") or ""))
    return {
        NAME: company_name_key(str(fields.get("Name") or "")),
        WEBSITE: website,
        PHONE: phone_key(str(fields.get("Phone") or "")),
        # An Account has no email: its website's domain is what its people's addresses use.
        EMAIL: website if website not in FREE_MAIL else "",
    }


def customer_keys(fields: Mapping[str, object]) -> dict[str, str]:
    """A customer's key for each rule (NetSuite REST or SuiteQL field names)."""

    def value(*names: str) -> str:
        return next((str(fields[n]) for n in names if fields.get(n)), "")

    return {
        NAME: company_name_key(value("companyName", "companyname")),
        WEBSITE: domain_key(value("url")),
        PHONE: phone_key(value("phone")),
        EMAIL: email_domain_key(value("email")),
    }


@dataclass(frozen=True)
class Match:
    """What the rules found: one customer (linked), several (ambiguous) or none."""

    rule: str = ""
    candidates: tuple[str, ...] = field(default_factory=tuple)

    @property
    def unique(self) -> str:
        return self.candidates[0] if len(self.candidates) == 1 else ""

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def decide(
    keys: Mapping[str, str],
    candidates_for: Mapping[str, Iterable[str]],
    *,
    enabled: Iterable[str] = RULES,
) -> Match:
    """
    The first enabled rule, in RULES order, under which the Account's key names any customer
    decides: one customer is a match, several are ambiguous and are never linked.
    candidates_for[rule] lists the customers whose key under that rule equals the Account's.
    """
    switched_on = set(enabled)
    for rule in RULES:
        if rule not in switched_on or not keys.get(rule):
            continue
        found = tuple(sorted(set(candidates_for.get(rule, ())), key=_id_order))
        if found:
            return Match(rule, found)
    return Match()


def _id_order(netsuite_id: str) -> tuple[int, str]:
    return (int(netsuite_id), "") if netsuite_id.isdigit() else (0, netsuite_id)


def candidates_among(
    keys: Mapping[str, str], customers: Iterable[tuple[str, Mapping[str, str]]]
) -> dict[str, list[str]]:
    """For each rule, the customers (netsuite id, their keys) whose key equals the Account's."""
    found: dict[str, list[str]] = {rule: [] for rule in RULES}
    for netsuite_id, theirs in customers:
        for rule in RULES:
            if keys.get(rule) and theirs.get(rule) == keys[rule]:
                found[rule].append(netsuite_id)
    return found
