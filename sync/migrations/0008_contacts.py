"""Contacts follow their Account: the default mapping of a Salesforce Contact's fields."""

from django.db import migrations, models

CONTACT = [
    # (source Salesforce field, target NetSuite field, transform, argument)
    ("FirstName", "firstName", "truncate", 32),  # NetSuite's name fields hold 32 characters
    ("LastName", "lastName", "truncate", 32),
    ("Email", "email", "copy", None),
    ("Phone", "phone", "copy", None),
    ("Title", "title", "copy", None),
]


def add_contact_mappings(apps, schema_editor):
    FieldMapping = apps.get_model("sync", "FieldMapping")
    for position, (source, target, transform, argument) in enumerate(CONTACT):
        FieldMapping.objects.get_or_create(
            direction="contact_to_ns",
            target=target,
            defaults={
                "source": source,
                "transform": transform,
                "argument": argument,
                "position": position,
            },
        )


def remove_contact_mappings(apps, schema_editor):
    apps.get_model("sync", "FieldMapping").objects.filter(direction="contact_to_ns").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('sync', '0007_address_lines'),
    ]

    operations = [
        migrations.AlterField(
            model_name='fieldmapping',
            name='direction',
            field=models.CharField(choices=[('sf_to_ns', 'Salesforce Account → NetSuite Customer'), ('ns_to_sf', 'NetSuite Customer → Salesforce Account'), ('contact_to_ns', 'Salesforce Contact → NetSuite contact')], max_length=16),
        ),
        migrations.AlterField(
            model_name='syncjob',
            name='kind',
            field=models.CharField(choices=[('account_push', 'Push (Account to its customer)'), ('account_link_or_push', 'Sync to NetSuite (link, or push if linked)'), ('account_update_from_netsuite', 'Update from NetSuite'), ('contact_push', 'Push (Contact to its NetSuite contact)'), ('opportunity_quote', 'Create Quote (NetSuite estimate)'), ('opportunity_sales_order', 'Sync as Sales Order'), ('status_writeback', 'Write-back (NetSuite Id and NetSuite Sync)')], max_length=32),
        ),
        migrations.RunPython(add_contact_mappings, remove_contact_mappings),
    ]
