"""
Demo data for the embedded mode (`make run`): in the emulated Salesforce three Accounts and an
Opportunity with two products; in the emulated NetSuite the customers of the two linked Accounts
(one locked) and the items the products are sold as; and SFNS's mirrors of them, as if they had
been synced once already: nothing is sent when it starts, and the first change is a real one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from django.db import transaction

from accounts.ids import salesforce_id_18
from accounts.models import Account, Opportunity
from accounts.services import customer_upsert_from_netsuite, parse_salesforce_datetime
from settings.models import IntegrationSettings
from sync.selectors import account_mapped_hash, account_outbound_payload, customer_inbound_values

ACME = salesforce_id_18("001000000000001")
GLOBEX = salesforce_id_18("001000000000002")
INITECH = salesforce_id_18("001000000000003")
OPPORTUNITY = salesforce_id_18("006000000000001")
WIDGET = salesforce_id_18("01t000000000001")
INSTALLATION = salesforce_id_18("01t000000000002")

DEMO_ACCOUNTS = [
    # (id, Name, Phone, Website, NetSuite internal id or "", locked)
    (ACME, "Acme Corporation", "+1 415 555 0100", "https://acme.example", "100", False),
    (GLOBEX, "Globex", "+1 212 555 0199", "https://globex.example", "101", True),
    (INITECH, "Initech", "+1 512 555 0142", "https://initech.example", "", False),
]
FINANCIALS = {
    "balance": 1250.0,
    "overdueBalance": 250.0,
    "creditLimit": 10000.0,
    "daysOverdue": 12,
    "unbilledOrders": 400.0,
    "depositBalance": 0.0,
}
# (Product2 id, Name, ProductCode: the NetSuite item's name, item type, item id, list price)
DEMO_PRODUCTS = [
    (WIDGET, "Widget", "WIDGET", "inventoryItem", "20", 25.0),
    (INSTALLATION, "Installation", "INSTALL", "serviceSaleItem", "21", 400.0),
]
# The Opportunity's lines, in the seller's order: (product, quantity, sales price)
DEMO_LINES = [(WIDGET, 10, 25.0), (INSTALLATION, 1, 400.0)]
DEMO_OPPORTUNITY = {
    "Id": OPPORTUNITY,
    "Name": "Initech: widgets and installation",
    "AccountId": INITECH,
    "StageName": "Proposal/Price Quote",
    "Amount": sum(quantity * price for _, quantity, price in DEMO_LINES),
}
# Seeded two days back: older than a user's first change, and than the reconcile's first look.
AGE = dt.timedelta(days=2)


def demo_seed(*, salesforce_url: str, netsuite_url: str, verify: bool | str = True) -> None:
    """Seed both emulators through their control endpoints, then the mirrors in this database."""
    conf = IntegrationSettings.load()
    moment = dt.datetime.now(dt.UTC) - AGE
    salesforce_stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    netsuite_stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    accounts = _demo_accounts(conf, salesforce_stamp)
    opportunity = _opportunity(salesforce_stamp, moment.date())
    customers = [
        _customer(account, conf, netsuite_stamp) for account in accounts if account.netsuite_id
    ]
    requests.post(
        f"{netsuite_url}/__emulator__/seed",
        json={"customer": customers, **_items(netsuite_stamp)},
        timeout=10,
    ).raise_for_status()
    requests.post(
        f"{salesforce_url}/__emulator__/seed",
        json=_salesforce_records(accounts, opportunity, salesforce_stamp),
        timeout=10,
        verify=verify,
    ).raise_for_status()
    _mirror(accounts, customers, opportunity, conf)


def _demo_accounts(conf: IntegrationSettings, stamp: str) -> list[Account]:
    """The demo Accounts as SFNS holds them after a first sync (not saved yet)."""
    accounts = []
    for sf_id, name, phone, website, ns_id, _ in DEMO_ACCOUNTS:
        fields: dict[str, Any] = {"Id": sf_id, "Name": name, "Phone": phone, "Website": website}
        if ns_id:
            fields[conf.salesforce_netsuite_id_field] = ns_id
            fields.update(customer_inbound_values(FINANCIALS))  # brought back from NetSuite
        fields.update(LastModifiedDate=stamp, SystemModstamp=stamp)
        account = Account(
            salesforce_id=sf_id,
            name=name,
            fields=fields,
            netsuite_id=ns_id,
            last_modified=parse_salesforce_datetime(stamp),
            last_synced_at=parse_salesforce_datetime(stamp) if ns_id else None,
        )
        payload = account_outbound_payload(account)
        account.mapped_hash = account_mapped_hash(account, payload)
        account.pushed_payload = payload if ns_id else None
        accounts.append(account)
    return accounts


def _customer(account: Account, conf: IntegrationSettings, stamp: str) -> dict[str, Any]:
    """The NetSuite customer holding exactly what the last push sent."""
    locked = next(locked for sf_id, *_, locked in DEMO_ACCOUNTS if sf_id == account.salesforce_id)
    return {
        **(account.pushed_payload or {}),
        "id": account.netsuite_id,
        "externalId": account.salesforce_id,
        conf.netsuite_salesforce_id_field: account.salesforce_id,
        conf.netsuite_lock_field: locked,
        **FINANCIALS,
        "dateCreated": stamp,
        "lastModifiedDate": stamp,
    }


def _items(stamp: str) -> dict[str, list[dict[str, Any]]]:
    """NetSuite's items for the products, named as the products' codes (SFNS finds them so)."""
    items: dict[str, list[dict[str, Any]]] = {}
    for _, name, code, item_type, item_id, price in DEMO_PRODUCTS:
        items.setdefault(item_type, []).append(
            {
                "id": item_id,
                "itemId": code,
                "displayName": name,
                "basePrice": price,
                "dateCreated": stamp,
                "lastModifiedDate": stamp,
            }
        )
    return items


def _opportunity(stamp: str, day: dt.date) -> dict[str, Any]:
    close = (day + dt.timedelta(days=32)).isoformat()
    return {**DEMO_OPPORTUNITY, "CloseDate": close, "LastModifiedDate": stamp}


def _salesforce_records(
    accounts: list[Account], opportunity: dict[str, Any], stamp: str
) -> dict[str, Any]:
    from emulators.salesforce.products import STANDARD_PRICEBOOK_ID  # the emulator's extra

    dated = {"LastModifiedDate": stamp}
    products = [
        {"Id": sf_id, "Name": name, "ProductCode": code, "IsActive": True, **dated}
        for sf_id, name, code, *_ in DEMO_PRODUCTS
    ]
    standard = {"Pricebook2Id": STANDARD_PRICEBOOK_ID, "IsActive": True, **dated}
    entries = [
        {"Product2Id": sf_id, "UnitPrice": price, **standard} for sf_id, *_, price in DEMO_PRODUCTS
    ]
    on_opportunity = {"OpportunityId": OPPORTUNITY, **dated}
    lines = [
        {"Product2Id": product, "Quantity": quantity, "UnitPrice": price, "SortOrder": order}
        | on_opportunity
        for order, (product, quantity, price) in enumerate(DEMO_LINES, start=1)
    ]
    return {
        "Account": [account.fields for account in accounts],
        "Product2": products,
        "PricebookEntry": entries,
        "Opportunity": [opportunity],
        "OpportunityLineItem": lines,
    }


@transaction.atomic
def _mirror(
    accounts: list[Account],
    customers: list[dict[str, Any]],
    opportunity: dict[str, Any],
    conf: IntegrationSettings,
) -> None:
    """
    SFNS's copies, saved without the Account signal (they are in sync already: nothing to push).
    """
    Account.objects.filter(salesforce_id__in=[a.salesforce_id for a in accounts]).delete()
    Account.objects.bulk_create(accounts)
    for customer in customers:
        fields = {key: value for key, value in customer.items() if key != "id"}
        customer_upsert_from_netsuite(netsuite_id=customer["id"], fields=fields, conf=conf)
    initech = Account.objects.get(salesforce_id=INITECH)
    Opportunity.objects.update_or_create(
        salesforce_id=OPPORTUNITY,
        defaults={
            "account": initech,
            "name": opportunity["Name"],
            "stage": opportunity["StageName"],
            "amount": opportunity["Amount"],
            "fields": opportunity,
            "last_modified": initech.last_modified,
        },
    )
