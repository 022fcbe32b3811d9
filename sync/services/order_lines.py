"""
Opportunity products as the lines of a NetSuite estimate or sales order. The line items are
read from Salesforce when the transaction is made, so they are as the seller left them. Each
product finds its NetSuite item by its key (a Product2 field, ProductCode by default): in the
lookup table first, then as the name or the external id of an item (a setting). An Opportunity
with no products is one line, its amount, billed as the settings' item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import Opportunity
from settings.models import SALESFORCE_FIELD_NAME, IntegrationSettings, ProductItemMatch

from ..clients.netsuite import NetSuiteClient, suiteql_checkbox, suiteql_text
from ..clients.salesforce import SalesforceClient
from ..errors import SyncRefused
from .match import column

# The line item fields read (besides Id); the doctor checks them.
LINE_FIELDS = ("Product2Id", "Quantity", "UnitPrice", "Description")
# The item columns each way of finding one compares the product's key with.
ITEM_COLUMNS = {ProductItemMatch.ITEM_NAME: "itemid", ProductItemMatch.EXTERNAL_ID: "externalid"}
IN_LIST = 200  # keys per SuiteQL IN (...): an order's products fit in one query


@dataclass(frozen=True)
class Product:
    salesforce_id: str
    name: str
    key: str

    def __str__(self) -> str:
        return f"product {self.name!r} ({self.salesforce_id})"


@dataclass(frozen=True)
class ProductLine:
    product: Product
    quantity: Decimal
    unit_price: Decimal
    description: str


def transaction_lines(
    opportunity: Opportunity,
    conf: IntegrationSettings,
    *,
    salesforce: SalesforceClient,
    netsuite: NetSuiteClient,
) -> list[dict[str, Any]]:
    """
    The transaction's item sublist lines. Refused (SyncRefused, naming the product) when a
    product has no key, or no single active item has it.
    """
    lines = opportunity_product_lines(opportunity.salesforce_id, conf, salesforce)
    if not lines:
        return [_line(conf.netsuite_estimate_item_id, 1, opportunity.amount or 0, "")]
    items = product_items({line.product for line in lines}, conf, netsuite)
    return [
        _line(items[line.product], float(line.quantity), line.unit_price, line.description)
        for line in lines
    ]


def _line(item_id: str, quantity: Any, rate: Any, description: str) -> dict[str, Any]:
    line: dict[str, Any] = {"item": {"id": item_id}, "quantity": quantity, "rate": float(rate)}
    if description:
        line["description"] = description
    return line


# -- Salesforce: the line items and their products ------------------------------------------------
def opportunity_product_lines(
    opportunity_id: str, conf: IntegrationSettings, salesforce: SalesforceClient
) -> list[ProductLine]:
    """The Opportunity's line items in the seller's order, with their products."""
    rows = salesforce.query(
        "SELECT Id, {:literal} FROM OpportunityLineItem WHERE OpportunityId = {} "
        "ORDER BY SortOrder NULLS LAST, Id",
        ", ".join(LINE_FIELDS),
        opportunity_id,
    )
    if not rows:
        return []
    products = _products({row["Product2Id"] for row in rows}, conf, salesforce)
    if unreadable := sorted({row["Product2Id"] for row in rows} - set(products)):
        raise SyncRefused(f"product {unreadable[0]} of a line item cannot be read in Salesforce")
    return [
        ProductLine(
            product=products[row["Product2Id"]],
            quantity=Decimal(str(row.get("Quantity") or 0)),
            unit_price=Decimal(str(row.get("UnitPrice") or 0)),
            description=row.get("Description") or "",
        )
        for row in rows
    ]


def _products(
    ids: Iterable[str], conf: IntegrationSettings, salesforce: SalesforceClient
) -> dict[str, Product]:
    key_field = conf.product_key_field
    try:
        SALESFORCE_FIELD_NAME(key_field)  # it goes into the SOQL as it is
    except ValidationError:
        raise SyncRefused(
            f"{key_field!r} is not a Product2 field name: correct the settings"
        ) from None
    rows = salesforce.query(
        "SELECT Id, Name, {:literal} FROM Product2 WHERE Id IN {}", key_field, sorted(ids)
    )
    return {
        row["Id"]: Product(row["Id"], row.get("Name") or "", str(row.get(key_field) or "").strip())
        for row in rows
    }


# -- NetSuite: the items --------------------------------------------------------------------------
def product_items(
    products: set[Product], conf: IntegrationSettings, netsuite: NetSuiteClient
) -> dict[Product, str]:
    """Each product's NetSuite item internal id: the lookup table's, else the one item found."""
    table = {str(key): str(item) for key, item in (conf.product_item_lookup or {}).items()}
    for product in products:
        if not product.key and product.salesforce_id not in table:
            raise SyncRefused(
                f"{product} has no {conf.product_key_field}: fill it in, or add the product "
                "to the product lookup table, so SFNS can find its NetSuite item"
            )
    found = {p: table.get(p.key) or table.get(p.salesforce_id) for p in products}
    wanted = {p.key for p, item in found.items() if not item}
    matches = _items_by_key(wanted, conf, netsuite) if wanted else {}
    for product, item in found.items():
        found[product] = item or _only_item(product, matches.get(product.key, []), conf)
    return found  # type: ignore[return-value]  # every value is an id by now


def _items_by_key(
    keys: set[str], conf: IntegrationSettings, netsuite: NetSuiteClient
) -> dict[str, list[dict]]:
    """The items whose name or external id (the setting) is one of the keys, by key."""
    match = ProductItemMatch(conf.product_item_match)
    if match not in ITEM_COLUMNS:
        return {}
    by_key: dict[str, list[dict]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), IN_LIST):
        quoted = ", ".join(f"'{suiteql_text(key)}'" for key in ordered[start : start + IN_LIST])
        name = column(ITEM_COLUMNS[match])
        query = f"SELECT id, itemid, externalid, isinactive FROM item WHERE {name} IN ({quoted})"  # noqa: S608
        for row in netsuite.suiteql(query):
            by_key.setdefault(str(row.get(name) or ""), []).append(row)
    return by_key


def _only_item(product: Product, rows: list[dict], conf: IntegrationSettings) -> str:
    how = {
        ProductItemMatch.ITEM_NAME: "is named",
        ProductItemMatch.EXTERNAL_ID: "has the external ID",
    }.get(ProductItemMatch(conf.product_item_match))
    where = f"no NetSuite item {how} {product.key!r}" if how else "it is not in the lookup table"
    active = [row for row in rows if not suiteql_checkbox(row.get("isinactive"))]
    if not rows:
        raise SyncRefused(f"{product} has no NetSuite item: {where}")
    if not active:
        raise SyncRefused(f"{product}: NetSuite item {rows[0]['id']} is inactive")
    if len(active) > 1:
        ids = ", ".join(sorted(str(row["id"]) for row in active))
        raise SyncRefused(f"{product}: several NetSuite items match {product.key!r} ({ids})")
    return str(active[0]["id"])
