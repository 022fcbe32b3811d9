"""
The work permissions (0009) to those who did that work before them: whoever could change
Accounts could sync, link and update them; Opportunities, quote and order; jobs, retry. Users
and groups alike. Without this, an upgrade would silently take the buttons from non-superusers.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The permission that allowed the work before -> the work permissions that allow it now.
CARRIED = {
    ("accounts", "change_account"): [
        "sync_account",
        "link_account",
        "update_account_from_netsuite",
    ],
    ("accounts", "change_opportunity"): ["create_quote", "sync_sales_order"],
    ("sync", "change_syncjob"): ["retry_job"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():  # the permissions exist before post_migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    for (app_label, codename), work in CARRIED.items():
        old = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        new = list(Permission.objects.filter(content_type__app_label="sync", codename__in=work))
        for group in Group.objects.filter(permissions__in=old).distinct():
            group.permissions.add(*new)
        for user in User.objects.filter(user_permissions__in=old).distinct():
            user.user_permissions.add(*new)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0009_work_permissions"),
        ("accounts", "0005_contacts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
