"""Demo data for the embedded mode: a few Accounts in the emulated Salesforce, their mirrors
here, and NetSuite Customers for the linked ones (one of them locked)."""

from __future__ import annotations

import requests
from django.db import transaction

from accounts.ids import salesforce_id_18
from accounts.models import Account, Customer
from accounts.services import parse_salesforce_datetime
from settings.models import IntegrationSettings

ACME = salesforce_id_18("001000000000001")
GLOBEX = salesforce_id_18("001000000000002")
INITECH = salesforce_id_18("001000000000003")
MODSTAMP = "2026-09-01T10:00:00.000Z"

DEMO_ACCOUNTS = [
    # (id, Name, Phone, Website, NetSuite internal id or "", locked)
    (ACME, "Acme Corporation", "+1 415 555 0100", "https://acme.example", "100", False),
    (GLOBEX, "Globex", "+1 212 555 0199", "https://globex.example", "101", True),
    (INITECH, "Initech", "+1 512 555 0142", "https://initech.example", "", False),
]


def demo_seed(*, salesforce_url: str, netsuite_url: str, verify: bool | str = True) -> None:
    """Seed both emulators through their control endpoints, then the mirrors in this database."""
    conf = IntegrationSettings.load()
    sf_accounts, ns_customers = [], []
    for sf_id, name, phone, website, ns_id, locked in DEMO_ACCOUNTS:
        fields = {"Id": sf_id, "Name": name, "Phone": phone, "Website": website}
        if ns_id:
            fields[conf.salesforce_netsuite_id_field] = ns_id
            ns_customers.append(
                {
                    "id": ns_id,
                    "companyName": name,
                    "phone": phone,
                    "url": website,
                    "externalId": sf_id,
                    conf.netsuite_salesforce_id_field: sf_id,
                    conf.netsuite_lock_field: locked,
                    "balance": 1250.0,
                    "overdueBalance": 250.0,
                    "creditLimit": 10000.0,
                    "daysOverdue": 12,
                    "unbilledOrders": 400.0,
                    "depositBalance": 0.0,
                }
            )
        sf_accounts.append(fields)
    requests.post(
        f"{salesforce_url}/__emulator__/seed",
        json={"Account": sf_accounts},
        timeout=10,
        verify=verify,
    ).raise_for_status()
    requests.post(
        f"{netsuite_url}/__emulator__/seed", json={"customer": ns_customers}, timeout=10
    ).raise_for_status()
    _mirror_demo_accounts()


@transaction.atomic
def _mirror_demo_accounts() -> None:
    """SFNS's own copies of the demo records, as if they had been synced once already."""
    for sf_id, name, phone, website, ns_id, locked in DEMO_ACCOUNTS:
        fields = {
            "Id": sf_id,
            "Name": name,
            "Phone": phone,
            "Website": website,
            "LastModifiedDate": MODSTAMP,
        }
        Account.objects.update_or_create(
            salesforce_id=sf_id,
            defaults={
                "name": name,
                "fields": fields,
                "netsuite_id": ns_id,
                "last_modified": parse_salesforce_datetime(MODSTAMP),
            },
        )
        if ns_id:
            Customer.objects.update_or_create(
                netsuite_id=ns_id,
                defaults={"salesforce_id": sf_id, "company_name": name, "locked": locked},
            )
