"""`python manage.py doctor`: check the configuration against Salesforce and NetSuite."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sync.services.doctor import doctor_checks


class Command(BaseCommand):
    help = (
        "Check SFNS's configuration against Salesforce and NetSuite (or the emulators): one "
        "line a check, with the fix for each problem. Exits non-zero when any check fails."
    )

    def handle(self, *args, **opts) -> None:
        self.stdout.write(
            f"SFNS doctor: Salesforce at {settings.SALESFORCE_LOGIN_URL}, NetSuite account "
            f"{settings.NETSUITE_ACCOUNT_ID} at {settings.NETSUITE_BASE_URL}\n"
        )
        checks = doctor_checks()
        for check in checks:
            if check.ok:
                self.stdout.write(f"{self.style.SUCCESS('✓')} {check.name}: {check.detail}")
            else:
                self.stdout.write(f"{self.style.ERROR('✗')} {check.name}: {check.detail}")
                self.stdout.write(f"    fix: {check.fix}")
        failed = sum(not check.ok for check in checks)
        if failed:
            raise CommandError(f"{failed} of {len(checks)} checks failed.")
        self.stdout.write(self.style.SUCCESS(f"\nAll {len(checks)} checks passed."))
