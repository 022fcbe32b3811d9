"""
Subsidiaries and currencies of new customers: the settings' defaults, a mapping through the
lookup transform, additional currencies, and NetSuite's own message in the log when a value
is wrong or missing. Against a OneWorld NetSuite emulator over real HTTP, tasks eager.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from settings.models import IntegrationSettings
from sync.clients.errors import ClientError
from sync.models import FieldMapping, MappingDirection
from sync.services import link

from ..factories import AccountFactory
from .helpers import only_log

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_world(netsuite, field_mappings):
    netsuite.account(oneWorld=True)
    return netsuite


def _created(netsuite, account):
    account.refresh_from_db()
    return netsuite.record("customer", account.netsuite_id)


def test_a_new_customer_gets_the_default_subsidiary_currency_and_currencies(
    one_world, integration_settings
):
    integration_settings(
        netsuite_default_subsidiary_id="2",
        netsuite_default_currency_id="1",
        netsuite_additional_currency_ids="2, 4",
    )
    account = AccountFactory(name="Initech")

    link.account_link(account=account)

    customer = _created(one_world, account)
    assert customer["subsidiary"] == {"id": "2"}
    assert customer["currency"] == {"id": "1"}
    assert customer["currencyList"]["items"] == [
        {"currency": {"id": "2"}},
        {"currency": {"id": "4"}},
    ]


def test_a_mapping_picks_the_subsidiary_by_billing_country(one_world, integration_settings):
    integration_settings(netsuite_default_subsidiary_id="2")
    FieldMapping.objects.create(
        direction=MappingDirection.TO_NETSUITE,
        source="BillingCountry",
        target="subsidiary.id",
        transform="lookup",
        argument={"United Kingdom": "3", "*": "2"},
    )
    british = AccountFactory(name="Tea Co", fields={"BillingCountry": "United Kingdom"})
    american = AccountFactory(name="Pie Co", fields={"BillingCountry": "United States"})

    for account in (british, american):
        link.account_link(account=account)

    assert _created(one_world, british)["subsidiary"] == {"id": "3"}
    assert _created(one_world, american)["subsidiary"] == {"id": "2"}


@pytest.mark.parametrize(
    ("subsidiary", "message"),
    [
        ("", "Please enter value(s) for: Primary Subsidiary"),
        ("99", "Invalid subsidiary reference key 99."),
    ],
)
def test_a_missing_or_wrong_subsidiary_fails_with_netsuites_message_in_the_log(
    one_world, integration_settings, subsidiary, message
):
    integration_settings(netsuite_default_subsidiary_id=subsidiary)
    account = AccountFactory(name="Initech")

    with pytest.raises(ClientError):
        link.account_link(account=account)

    entry = only_log("account_link")
    assert entry.outcome == "error"
    assert message in entry.reason
    account.refresh_from_db()
    assert not account.netsuite_id
    assert message in account.last_sync_error


def test_an_existing_customer_keeps_its_own_subsidiary(one_world, integration_settings):
    integration_settings(netsuite_default_subsidiary_id="2")
    account = AccountFactory(name="Umbrella")
    one_world.seed(
        customer=[
            {
                "id": "300",
                "companyName": "Umbrella",
                "externalId": account.salesforce_id,
                "subsidiary": {"id": "3"},
            }
        ]
    )

    link.account_link(account=account)

    assert one_world.record("customer", "300")["subsidiary"] == {"id": "3"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("netsuite_default_subsidiary_id", "UK"),
        ("netsuite_additional_currency_ids", "1, EUR"),
    ],
)
def test_settings_refuse_what_is_not_an_internal_id(field, value):
    conf = IntegrationSettings(**{field: value})

    with pytest.raises(ValidationError) as refused:
        conf.full_clean(exclude=["failure_notice_group"])

    assert field in refused.value.message_dict
