"""
The product objects' rules, as Salesforce applies them: a price book entry needs its product's
standard price first and shows the product's Name and ProductCode; an Opportunity's line item is
priced from an active entry (TotalPrice = Quantity x UnitPrice) and named after the Opportunity and
the product; and what deleting an Opportunity, a product or a price book does to what depends on
it. The org's standard price book exists from the start, as the Organization does.

Object Reference: "Product2", "Pricebook2", "PricebookEntry", "OpportunityLineItem". Error texts
marked "emulator's wording" are not documented; the others are as Salesforce gives them.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import ApiError
from .fields import not_writable
from .ids import KEY_PREFIXES, POD, id18
from .schema import CREATE_ONLY_FIELDS, WRITABLE_FIELDS, rest_datetime

# Fixed, so that a seed can name it (SFNS finds it as Salesforce's clients do: SELECT Id FROM
# Pricebook2 WHERE IsStandard = true). Sequence 0, which next_id() never issues.
STANDARD_PRICEBOOK_ID = id18(KEY_PREFIXES["Pricebook2"] + POD + "0" * 9)
STANDARD_PRICEBOOK_NAME = "Standard Price Book"
# What goes to the recycle bin with a record: (sObject, its field naming the deleted record).
DEPENDENTS = {
    "Opportunity": (("OpportunityLineItem", "OpportunityId"),),
    "Product2": (("PricebookEntry", "Product2Id"),),
    "Pricebook2": (("PricebookEntry", "Pricebook2Id"),),
}
NO_ENTRY = (
    "PricebookEntryId, unknown (versions 3.0 and higher must specify pricebook entry id; "
    "others must specify product id)"
)
CENT = Decimal("0.01")


def field_integrity(detail: str, fields: list[str]) -> ApiError:
    message = f"field integrity exception: {detail}" if detail else "field integrity exception"
    return ApiError(400, "FIELD_INTEGRITY_EXCEPTION", message, fields)


def required_missing(field: str) -> ApiError:
    return ApiError(
        400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{field}]", [field]
    )


def money(value: float) -> float:
    """A currency value as the org stores it: rounded half up to the cent."""
    return float(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP))


def line_prices(quantity: float, unit: float | None, total: float | None) -> dict[str, float]:
    """A line's UnitPrice, Subtotal and TotalPrice from its quantity and one of the two prices."""
    if quantity == 0:
        raise field_integrity("Quantity (quantity must be nonzero)", ["Quantity"])
    if total is None:
        assert unit is not None
        total = money(quantity * unit)
    else:
        unit = money(total / quantity)
    return {"UnitPrice": unit, "Subtotal": total, "TotalPrice": total}  # no Discount


def line_name(opportunity: dict[str, Any], product: dict[str, Any]) -> str:
    return f"{opportunity['Name']} {product['Name']}"


class ProductsMixin:
    """Called by the store (insert, update) and the recycle bin (delete); uses their methods."""

    state: dict[str, Any]

    def fresh_records(self) -> dict[str, dict[str, Any]]:
        """A new org's live records: the standard price book, and nothing else."""
        records: dict[str, dict[str, Any]] = {sobject: {} for sobject in WRITABLE_FIELDS}
        now = rest_datetime(dt.datetime.now(dt.UTC))
        records["Pricebook2"][STANDARD_PRICEBOOK_ID] = {
            "Id": STANDARD_PRICEBOOK_ID,
            "IsDeleted": False,
            "Name": STANDARD_PRICEBOOK_NAME,
            "IsActive": True,
            "IsStandard": True,
            "Description": None,
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
        }
        return records

    def live(self, sobject: str, field: str, value: Any) -> list[dict[str, Any]]:
        """The live records whose reference field holds exactly value (ids are case-sensitive)."""
        records = (self.record(sobject, i) for i in self.ids_holding(sobject, field, value))
        return [record for record in records if record.get(field) == value]

    def standard_entry(self, product_id: str) -> dict[str, Any] | None:
        entries = self.live("PricebookEntry", "Product2Id", product_id)
        return next((e for e in entries if self.is_standard_book(e["Pricebook2Id"])), None)

    def is_standard_book(self, pricebook_id: str) -> bool:
        return bool(self.record("Pricebook2", pricebook_id)["IsStandard"])

    # -- creates and updates -----------------------------------------------------------------
    def before_insert(self, sobject: str, values: dict[str, Any]) -> dict[str, Any]:
        """The values a new record is stored with: the org's own fields set, its rules checked."""
        if sobject == "Pricebook2":
            return {**values, "IsStandard": False}  # there is one standard price book
        if sobject == "PricebookEntry":
            return self.new_entry(values)
        if sobject == "OpportunityLineItem":
            return self.new_line_item(values)
        return values

    def before_update(
        self, sobject: str, record: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any]:
        """The values an update stores: fields fixed at create refused, prices worked out."""
        fixed = [field for field in CREATE_ONLY_FIELDS.get(sobject, ()) if field in values]
        if fixed:
            raise not_writable(fixed[0])
        if sobject == "PricebookEntry":
            return {**values, **self.entry_price({**record, **values}, values)}
        if sobject == "OpportunityLineItem":
            return {**values, **self.repriced_line(record, values)}
        return values

    def new_entry(self, values: dict[str, Any]) -> dict[str, Any]:
        product_id, pricebook_id = values["Product2Id"], values["Pricebook2Id"]
        priced_in = {
            e["Pricebook2Id"] for e in self.live("PricebookEntry", "Product2Id", product_id)
        }
        if pricebook_id in priced_in:
            raise ApiError(
                400, "DUPLICATE_VALUE", "This price definition already exists in this price book"
            )
        if not self.is_standard_book(pricebook_id) and self.standard_entry(product_id) is None:
            raise ApiError(
                400, "STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product"
            )
        product = self.record("Product2", product_id)
        values = {**values, "Name": product["Name"], "ProductCode": product.get("ProductCode")}
        return {**values, **self.entry_price(values, values)}

    def entry_price(self, entry: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
        """
        An entry's UnitPrice: its own, or with UseStandardPrice the standard entry's (then a
        price of its own is refused, as is UseStandardPrice on a standard entry).
        """
        if not entry.get("UseStandardPrice"):
            if entry.get("UnitPrice") is None:
                raise required_missing("UnitPrice")
            return {}
        if self.is_standard_book(entry["Pricebook2Id"]) or given.get("UnitPrice") is not None:
            raise field_integrity("", [])
        standard = self.standard_entry(entry["Product2Id"])
        return {"UnitPrice": standard["UnitPrice"] if standard else entry.get("UnitPrice")}

    def new_line_item(self, values: dict[str, Any]) -> dict[str, Any]:
        unit, total = values.get("UnitPrice"), values.get("TotalPrice")
        if unit is not None and total is not None:  # emulator's wording
            raise field_integrity(
                "TotalPrice (cannot specify both UnitPrice and TotalPrice)", ["TotalPrice"]
            )
        if unit is None and total is None:  # emulator's wording
            raise field_integrity(
                "UnitPrice, TotalPrice (must specify either UnitPrice or TotalPrice)",
                ["UnitPrice", "TotalPrice"],
            )
        entry = self.line_entry(values)
        product = self.record("Product2", entry["Product2Id"])
        opportunity = self.record("Opportunity", values["OpportunityId"])
        return {
            **values,
            "PricebookEntryId": entry["Id"],
            "Product2Id": product["Id"],
            "ProductCode": product.get("ProductCode"),
            "Name": line_name(opportunity, product),
            "ListPrice": entry["UnitPrice"],
            **line_prices(values["Quantity"], unit, total),
        }

    def line_entry(self, values: dict[str, Any]) -> dict[str, Any]:
        """
        The line's price book entry: PricebookEntryId, or (API v. recent) a Product2Id alone, for
        the product's standard entry. It must be active, and in the price book of the
        Opportunity's other lines.
        """
        entry_id, product_id = values.get("PricebookEntryId"), values.get("Product2Id")
        if entry_id is None and product_id is not None:
            standard = self.standard_entry(product_id)
            entry_id = standard["Id"] if standard else None
        if entry_id is None:
            raise field_integrity(NO_ENTRY, ["PricebookEntryId", "unknown"])
        entry = self.record("PricebookEntry", entry_id)
        if product_id is not None and product_id != entry["Product2Id"]:  # emulator's wording
            raise field_integrity(
                "Product2Id (the price book entry is for another product)", ["Product2Id"]
            )
        if not entry["IsActive"]:
            raise field_integrity(
                "PricebookEntryId (pricebook entry is inactive)", ["PricebookEntryId"]
            )
        for line in self.live("OpportunityLineItem", "OpportunityId", values["OpportunityId"]):
            other = self.record("PricebookEntry", line["PricebookEntryId"])
            if other["Pricebook2Id"] != entry["Pricebook2Id"]:
                raise field_integrity(
                    "PricebookEntryId (pricebook entry is in a different pricebook than the one "
                    "assigned to the opportunity)",
                    ["PricebookEntryId"],
                )
        return entry

    def repriced_line(self, record: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        """
        An update's prices: a new TotalPrice sets UnitPrice, anything else keeps UnitPrice and
        recomputes TotalPrice ("Cannot change both" is Salesforce's answer to both).
        """
        unit, total = values.get("UnitPrice"), values.get("TotalPrice")
        if unit is not None and total is not None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                "Cannot change both 'UnitPrice' and 'TotalPrice' in update call",
                ["UnitPrice"],
            )
        quantity = values.get("Quantity", record["Quantity"])
        if total is not None:
            return line_prices(quantity, None, total)
        unit = values["UnitPrice"] if "UnitPrice" in values else record.get("UnitPrice")
        if unit is None:
            raise required_missing("UnitPrice")
        return line_prices(quantity, unit, None)

    def after_update(self, sobject: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        """
        What shows a changed record's values: a product's entries and lines (Name, ProductCode),
        an Opportunity's lines (Name), and the entries that use a standard price. Not an edit of
        theirs: their dates stay.
        """
        if sobject == "Product2" and any(old.get(f) != new.get(f) for f in ("Name", "ProductCode")):
            shown = {"Name": new["Name"], "ProductCode": new.get("ProductCode")}
            for entry in self.live("PricebookEntry", "Product2Id", new["Id"]):
                self.replace("PricebookEntry", {**entry, **shown})
            for line in self.live("OpportunityLineItem", "Product2Id", new["Id"]):
                opportunity = self.record("Opportunity", line["OpportunityId"])
                name = line_name(opportunity, new)
                self.replace("OpportunityLineItem", {**line, **shown, "Name": name})
        elif sobject == "Opportunity" and old.get("Name") != new.get("Name"):
            for line in self.live("OpportunityLineItem", "OpportunityId", new["Id"]):
                product = self.record("Product2", line["Product2Id"])
                self.replace("OpportunityLineItem", {**line, "Name": line_name(new, product)})
        elif sobject == "PricebookEntry" and old.get("UnitPrice") != new.get("UnitPrice"):
            if not self.is_standard_book(new["Pricebook2Id"]):
                return
            for entry in self.live("PricebookEntry", "Product2Id", new["Product2Id"]):
                if entry["UseStandardPrice"] and entry["Id"] != new["Id"]:
                    self.replace("PricebookEntry", {**entry, "UnitPrice": new["UnitPrice"]})

    # -- deletes -----------------------------------------------------------------------------
    def check_deletable(self, sobject: str, record_id: str) -> None:
        """
        A product, entry or price book on an Opportunity's lines can't be deleted (Salesforce
        offers to archive the product instead), nor can the standard price book.
        """
        record = self.record(sobject, record_id)
        if sobject == "Product2":
            lines = self.live("OpportunityLineItem", "Product2Id", record_id)
        elif sobject == "PricebookEntry":
            lines = self.live("OpportunityLineItem", "PricebookEntryId", record_id)
        elif sobject == "Pricebook2":
            if record["IsStandard"]:  # emulator's wording
                raise ApiError(400, "DELETE_FAILED", "The standard price book can't be deleted")
            entries = self.live("PricebookEntry", "Pricebook2Id", record_id)
            lines = [
                line
                for entry in entries
                for line in self.live("OpportunityLineItem", "PricebookEntryId", entry["Id"])
            ]
        else:
            return
        if lines:  # emulator's wording
            opportunities = {line["OpportunityId"] for line in lines}
            names = sorted(self.record("Opportunity", i)["Name"] for i in opportunities)
            raise ApiError(
                400,
                "DELETE_FAILED",
                f"Your attempt to delete {record['Name']} could not be completed because it is "
                f"associated with the following opportunities.: {', '.join(names)}",
            )

    def delete_dependents(self, sobject: str, record_ids: set[str], stamp: str) -> None:
        """An Opportunity's lines, a product's or price book's entries: to the recycle bin."""
        for child_type, field in DEPENDENTS.get(sobject, ()):
            for record_id in record_ids:
                for child in self.live(child_type, field, record_id):
                    self.to_recycle_bin(child_type, child["Id"], stamp)
