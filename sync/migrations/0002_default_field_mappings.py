"""The field mappings SFNS ships with; admins edit them in Django admin afterwards."""

from django.db import migrations

BILLING_LINE = "addressBook.items.0"
ADDRESS = f"{BILLING_LINE}.addressBookAddress"
OUTBOUND = [
    # (source Salesforce field, target NetSuite field, transform, argument)
    ("Name", "companyName", "truncate", 83),  # NetSuite's Company Name holds 83 characters
    ("Phone", "phone", "copy", None),
    ("Website", "url", "copy", None),
    # The billing address becomes the customer's default billing address: one line of the
    # addressBook sublist, sent whole (it replaces the customer's address lines; a line with
    # no address in Salesforce is not sent). Country wants NetSuite's code ("US"): make it a
    # lookup if Salesforce holds country names.
    ("BillingStreet", f"{ADDRESS}.addr1", "copy", None),
    ("BillingCity", f"{ADDRESS}.city", "copy", None),
    ("BillingState", f"{ADDRESS}.state", "copy", None),
    ("BillingPostalCode", f"{ADDRESS}.zip", "copy", None),
    ("BillingCountry", f"{ADDRESS}.country", "copy", None),
    ("", f"{BILLING_LINE}.defaultBilling", "static", True),
]
INBOUND = [
    ("balance", "NetSuite_Balance__c"),
    ("overdueBalance", "NetSuite_Overdue_Balance__c"),
    ("creditLimit", "NetSuite_Credit_Limit__c"),
    ("daysOverdue", "NetSuite_Days_Overdue__c"),
    ("unbilledOrders", "NetSuite_Unbilled_Orders__c"),
    ("depositBalance", "NetSuite_Deposit_Balance__c"),
]


def add_defaults(apps, schema_editor):
    FieldMapping = apps.get_model("sync", "FieldMapping")
    for position, (source, target, transform, argument) in enumerate(OUTBOUND):
        FieldMapping.objects.get_or_create(
            direction="sf_to_ns",
            target=target,
            defaults={"source": source, "transform": transform, "argument": argument,
                      "position": position},
        )
    for position, (source, target) in enumerate(INBOUND):
        FieldMapping.objects.get_or_create(
            direction="ns_to_sf", target=target,
            defaults={"source": source, "transform": "copy", "position": position},
        )


def remove_defaults(apps, schema_editor):
    FieldMapping = apps.get_model("sync", "FieldMapping")
    for source, target, *_ in OUTBOUND:
        FieldMapping.objects.filter(direction="sf_to_ns", source=source, target=target).delete()
    for source, target in INBOUND:
        FieldMapping.objects.filter(direction="ns_to_sf", source=source, target=target).delete()


class Migration(migrations.Migration):
    dependencies = [("sync", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
