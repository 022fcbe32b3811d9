"""
Both addresses, the way NetSuite keeps them: the billing and shipping addresses become the
default billing and default shipping lines of the customer's address book, a multi-line
street split over addr1 to addr3, the country as NetSuite's country id. Rows an admin changed
since 0002 are left as they are.
"""

from django.db import migrations, models

BILLING_LINE = "addressBook.items.0"
SHIPPING_LINE = "addressBook.items.1"


def _address(kind, line):
    address = f"{line}.addressBookAddress"
    return [
        (f"{kind}Street", f"{address}.addr1", "street_line", 1),
        (f"{kind}Street", f"{address}.addr2", "street_line", 2),
        (f"{kind}Street", f"{address}.addr3", "street_line", 3),
        (f"{kind}City", f"{address}.city", "copy", None),
        (f"{kind}State", f"{address}.state", "copy", None),
        (f"{kind}PostalCode", f"{address}.zip", "copy", None),
        (f"{kind}Country", f"{address}.country.id", "country", None),
    ]


ADDRESSES = [
    *_address("Billing", BILLING_LINE),
    ("", f"{BILLING_LINE}.defaultBilling", "static", True),
    *_address("Shipping", SHIPPING_LINE),
    ("", f"{SHIPPING_LINE}.defaultShipping", "static", True),
]
# 0002's rows these replace, as it shipped them.
REPLACED = [
    ("BillingStreet", f"{BILLING_LINE}.addressBookAddress.addr1", "copy"),
    ("BillingCountry", f"{BILLING_LINE}.addressBookAddress.country", "copy"),
]


# The address book rows 0002 shipped: a row that is not one of these is an admin's.
SHIPPED = [
    *(
        (f"Billing{part}", f"{BILLING_LINE}.addressBookAddress.{field}", "copy", None)
        for part, field in (
            ("Street", "addr1"),
            ("City", "city"),
            ("State", "state"),
            ("PostalCode", "zip"),
            ("Country", "country"),
        )
    ),
    ("", f"{BILLING_LINE}.defaultBilling", "static", True),
]  # a list: an admin's argument may be a table (a dict), which a set cannot hold


def add_addresses(apps, schema_editor):
    FieldMapping = apps.get_model("sync", "FieldMapping")
    outbound = FieldMapping.objects.filter(direction="sf_to_ns")
    rows = outbound.filter(target__startswith="addressBook.")
    if any((m.source, m.target, m.transform, m.argument) not in SHIPPED for m in rows):
        return  # an admin mapped the address book their own way: theirs stays
    for source, target, transform in REPLACED:
        outbound.filter(source=source, target=target, transform=transform).delete()
    start = max([m.position for m in outbound] + [0]) + 1
    for offset, (source, target, transform, argument) in enumerate(ADDRESSES):
        outbound.get_or_create(
            direction="sf_to_ns",
            target=target,
            defaults={
                "source": source,
                "transform": transform,
                "argument": argument,
                "position": start + offset,
            },
        )


def remove_addresses(apps, schema_editor):
    FieldMapping = apps.get_model("sync", "FieldMapping")
    for source, target, transform, _ in ADDRESSES:
        if transform in ("street_line", "country") or target.startswith(SHIPPING_LINE):
            FieldMapping.objects.filter(direction="sf_to_ns", target=target).delete()
    for source, target, transform in REPLACED:
        FieldMapping.objects.get_or_create(
            direction="sf_to_ns", target=target, defaults={"source": source, "transform": transform}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0006_claim_heartbeat"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fieldmapping",
            name="transform",
            field=models.CharField(
                choices=[
                    ("copy", "Copy the value"),
                    ("static", "Static value (argument)"),
                    ("lookup", "Lookup table (argument: {from: to})"),
                    ("template", "Template (argument: '{Field} ...')"),
                    ("truncate", "Truncate (argument: max length)"),
                    ("default", "Default when empty (argument)"),
                    ("street_line", "Street line (argument: 1, 2 or 3; 3 takes the rest)"),
                    ("country", "Country name or code → NetSuite country id"),
                ],
                default="copy",
                max_length=16,
            ),
        ),
        migrations.RunPython(add_addresses, remove_addresses),
    ]
