"""
Subsidiaries and currencies, as a NetSuite OneWorld account has them: a customer needs a
primary subsidiary there (a plain account has one, implied), and every subsidiary, currency
and additional currency (the currencyList sublist) it names must exist. The account is
OneWorld when the control says so (POST /__emulator__/account {"oneWorld": true}).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from .errors import ns_error

SUBSIDIARIES = {"1": "Parent Company", "2": "SFNS US Inc.", "3": "SFNS UK Ltd."}
CURRENCIES = {"1": "USD", "2": "GBP", "3": "CAD", "4": "EUR"}


def _ref_id(value: Any) -> str | None:
    return str(value.get("id")) if isinstance(value, dict) and "id" in value else None


def _invalid(name: str, key: str | None, path: str) -> Response:
    return ns_error(400, "USER_ERROR", f"Invalid {name} reference key {key}.", path)


def accounting_error(state: dict[str, Any], body: dict, *, creating: bool) -> Response | None:
    """NetSuite's 400 for a customer body whose subsidiary or currencies do not hold."""
    subsidiary = body.get("subsidiary")
    if creating and state.get("one_world") and not subsidiary:
        return ns_error(
            400, "USER_ERROR", "Please enter value(s) for: Primary Subsidiary", "subsidiary"
        )
    if subsidiary is not None and _ref_id(subsidiary) not in SUBSIDIARIES:
        return _invalid("subsidiary", _ref_id(subsidiary), "subsidiary")
    currency = body.get("currency")
    if currency is not None and _ref_id(currency) not in CURRENCIES:
        return _invalid("currency", _ref_id(currency), "currency")
    for line in (body.get("currencyList") or {}).get("items") or []:
        key = _ref_id(line.get("currency") if isinstance(line, dict) else None)
        if key not in CURRENCIES:
            return _invalid("currency", key, "currencyList.currency")
    return None


def account_control(state: dict[str, Any], body: dict) -> dict[str, Any]:
    """POST /__emulator__/account {"oneWorld": bool}: the account's edition, as it is now."""
    if "oneWorld" in body:
        state["one_world"] = bool(body["oneWorld"])
    return {
        "oneWorld": bool(state.get("one_world")),
        "subsidiaries": SUBSIDIARIES,
        "currencies": CURRENCIES,
    }
