"""
The doctor: checks a configuration against the real systems (or the emulators) and says, one
check a line, what is right and what to fix: both logins, the Salesforce edition, API version
and allocation, every field the settings and the field mappings name on both sides, the webhook
secret, and the NetSuite concurrency cap. It costs six Salesforce API calls at most (the
edition, the versions, the limits, a describe of Account, Opportunity and, when Contacts are
mapped, Contact; the login is not an API call) and a NetSuite metadata call per record type
(customer, and contact when Contacts are mapped).
"""

from __future__ import annotations

from django.conf import settings

from settings.models import IntegrationSettings

from .. import rules
from ..clients.errors import AuthError, ClientError
from ..clients.netsuite import NetSuiteClient
from ..clients.salesforce import SalesforceClient, api_reserve_reached
from ..models import FieldMapping
from .doctor_fields import (
    NETSUITE_PACKAGE,
    Check,
    netsuite_needs,
    salesforce_field_check,
    salesforce_needs,
)


def doctor_checks() -> list[Check]:
    """Every check, in the order an admin fixes them."""
    conf = IntegrationSettings.load()
    mappings = list(FieldMapping.objects.filter(enabled=True))
    return [
        webhook_secret_check(),
        *salesforce_checks(conf, mappings),
        *netsuite_checks(conf, mappings),
        concurrency_check(),
    ]


# -- the checks -------------------------------------------------------------------------------
def webhook_secret_check() -> Check:
    secret = settings.SFNS_WEBHOOK_SECRET
    if not secret or (secret == settings.SFNS_DEMO_WEBHOOK_SECRET and not settings.DEBUG):
        return Check(
            "Webhook secret",
            False,
            "not set" if not secret else "the demo value, with DEBUG off",
            "set SFNS_WEBHOOK_SECRET to a long random string (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'), then give Salesforce the new outbound "
            "message URL (manage.py webhook_urls) and NetSuite the new API secret",
        )
    if secret == settings.SFNS_DEMO_WEBHOOK_SECRET:
        return Check("Webhook secret", True, "the demo value (DEBUG is on: fine for a trial)")
    return Check("Webhook secret", True, f"set ({len(secret)} characters)")


def salesforce_checks(conf: IntegrationSettings, mappings: list[FieldMapping]) -> list[Check]:
    client = SalesforceClient(attempts=1)
    try:
        client.token(renew=True)
    except ClientError as exc:
        return [
            Check(
                "Salesforce login",
                False,
                f"{exc.message} (nothing else in Salesforce was checked)",
                "check SALESFORCE_LOGIN_URL, SALESFORCE_AUTH_FLOW, SALESFORCE_CLIENT_ID and "
                "SALESFORCE_CLIENT_SECRET (the connected app), SALESFORCE_USERNAME and "
                "SALESFORCE_PASSWORD (password + security token) or SALESFORCE_PRIVATE_KEY_FILE",
            )
        ]
    login = f"{settings.SALESFORCE_USERNAME}, {settings.SALESFORCE_AUTH_FLOW} flow"
    checks = [Check("Salesforce login", True, login)]
    try:
        # The versions list is the one call outside a version: the others need one it serves.
        checks.append(_api_version(client))
        if not checks[-1].ok:
            return checks
        checks += [_edition(client), _api_usage(client)]
        needs = salesforce_needs(conf, mappings)
        described = {sobject: client.describe(sobject) for sobject in _records(needs)}
    except ClientError as exc:
        fix = "give the integration user API access and read access to Account and Opportunity"
        return [*checks, Check("Salesforce API", False, exc.message, fix)]
    fields = {
        sobject: {field["name"]: field for field in answer.get("fields", [])}
        for sobject, answer in described.items()
    }
    return checks + [salesforce_field_check(need, fields) for need in needs]


def _records(needs: list) -> list[str]:
    """The record types the needs name, in their order: one describe or metadata call each."""
    return list(dict.fromkeys(need.record for need in needs))


def _edition(client: SalesforceClient) -> Check:
    edition = client.edition()
    if rules.edition_supports_api_features(edition):
        return Check("Salesforce edition", True, f"{edition}: every feature is available")
    return Check(
        "Salesforce edition",
        True,
        f"{edition or 'unknown'}: Accounts sync; Update from NetSuite and the NetSuite Sync "
        "field need Enterprise Edition or higher",
    )


def _api_version(client: SalesforceClient) -> Check:
    versions = client.api_versions()
    wanted = settings.SALESFORCE_API_VERSION
    if wanted in versions:
        return Check(
            "Salesforce API version", True, f"{wanted} (the org serves up to {versions[-1]})"
        )
    newest = max(versions, key=float, default="?")
    return Check(
        "Salesforce API version",
        False,
        f"{wanted} is not served by this org",
        f"set SALESFORCE_API_VERSION to {newest}, the newest the org serves",
    )


def _api_usage(client: SalesforceClient) -> Check:
    daily = client.limits().get("DailyApiRequests", {})
    allowed, remaining = int(daily.get("Max", 0)), int(daily.get("Remaining", 0))
    detail = f"{remaining:,} of {allowed:,} calls left in the last 24 hours"
    if not api_reserve_reached(allowed - remaining, allowed):
        return Check("Salesforce API allocation", True, detail)
    reserve = round(settings.SALESFORCE_API_RESERVE * 100, 2)
    return Check(
        "Salesforce API allocation",
        False,
        detail,
        f"SFNS leaves the last {reserve:g}% to the org's other users and waits while less is "
        "left: wait for the rolling 24 hours to free calls, or raise the org's allocation",
    )


def netsuite_checks(conf: IntegrationSettings, mappings: list[FieldMapping]) -> list[Check]:
    needs = netsuite_needs(conf, mappings)
    try:
        client = NetSuiteClient(attempts=1)
        schemas = {record: client.metadata(record) for record in _records(needs)}
    except AuthError as exc:
        return [
            Check(
                "NetSuite login",
                False,
                f"{exc.message} (nothing else in NetSuite was checked)",
                "check NETSUITE_ACCOUNT_ID, NETSUITE_CONSUMER_KEY and NETSUITE_CONSUMER_SECRET "
                "(the integration record), NETSUITE_TOKEN_ID and NETSUITE_TOKEN_SECRET (the "
                "access token), and that its role has REST Web Services and Customers",
            )
        ]
    except ClientError as exc:
        fix = "check NETSUITE_BASE_URL, and that REST Web Services is enabled for the account"
        return [Check("NetSuite", False, exc.message, fix)]
    checks = [Check("NetSuite login", True, f"account {settings.NETSUITE_ACCOUNT_ID}")]
    for need in needs:
        properties = schemas[need.record].get("properties", {})
        name = f"NetSuite field {need.record}.{need.field}"
        problem = rules.netsuite_field_problem(properties.get(need.field), types=need.types)
        if not problem:
            checks.append(Check(name, True, f"{properties[need.field].get('type')} ({need.why})"))
            continue
        fix = NETSUITE_PACKAGE if need.field.startswith("cust") else "check the field mapping"
        fix += f", or correct the field id in the settings or field mappings ({need.why})"
        checks.append(Check(name, False, f"{problem} ({need.why})", fix))
    return checks


def concurrency_check() -> Check:
    cap, limit = settings.NETSUITE_CONCURRENCY_LIMIT, settings.NETSUITE_ACCOUNT_CONCURRENCY_LIMIT
    name = "NetSuite concurrency"
    if cap > limit:
        return Check(
            name,
            False,
            f"SFNS may send {cap} calls at once; the account allows {limit}",
            f"set NETSUITE_CONCURRENCY_LIMIT to at most {limit} (or correct "
            "NETSUITE_ACCOUNT_CONCURRENCY_LIMIT: Setup > Integration > Integration Governance)",
        )
    if not settings.CELERY_TASK_ALWAYS_EAGER and not settings.SFNS_REDIS_URL:
        return Check(
            name,
            False,
            f"the cap of {cap} holds per worker process, not across them",
            "set SFNS_REDIS_URL so every worker shares one cap",
        )
    if cap == limit:
        detail = f"SFNS may use all {limit} of the account's calls at once; its other "
        detail += "integrations meet 429s while SFNS is busy"
    else:
        detail = f"{cap} of the account's {limit} calls at once; {limit - cap} left to others"
    return Check(name, True, detail)
