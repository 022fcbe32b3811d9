"""
The Salesforce daily API allocation, against the Salesforce emulator over real HTTPS: every
response's Sforce-Limit-Info is shared through the cache, and SFNS stops calling while the last
reading leaves less than SALESFORCE_API_RESERVE, so jobs back off instead of spending the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from sync.clients import salesforce as salesforce_module
from sync.clients.errors import RateLimited
from sync.clients.salesforce import (
    API_RESERVE_CODE,
    API_USAGE_RECHECK,
    SalesforceClient,
    api_usage_key,
    salesforce_api_usage,
)
from tests.conftest import SalesforceControl

RESERVE_MESSAGE = (
    "Salesforce daily API allocation nearly spent: 4,760 of 5,000 used; "
    "SFNS keeps the last 5% in reserve"
)


@pytest.fixture
def org(salesforce_emulator, salesforce_ca, settings) -> Iterator[SalesforceControl]:
    settings.SALESFORCE_API_RESERVE = 0.05
    # Only this org's reading is forgotten, not cache.clear(): with Redis that would be a
    # FLUSHDB of the database the Celery broker shares.
    key = api_usage_key()
    cache.delete(key)
    salesforce_module._tokens.clear()
    yield SalesforceControl(salesforce_emulator.url, salesforce_ca)
    cache.delete(key)
    salesforce_module._tokens.clear()


@pytest.fixture
def account_id(org) -> str:
    return org.seed_ids(Account=[{"Name": "Acme"}])["Account"][0]


@pytest.fixture
def nearly_spent(org, account_id) -> SalesforceClient:
    """A client whose last call left 240 of 5,000 calls: under the 5 % reserve (250)."""
    org.faults(api_limit=5000, api_usage=4759)
    salesforce_client = SalesforceClient(max_wait=0.01)
    salesforce_client.get("Account", account_id)
    return salesforce_client


def test_usage_is_shared_through_the_cache(org, account_id):
    assert salesforce_api_usage() is None
    first, second = SalesforceClient(), SalesforceClient()  # two workers, say
    before = timezone.now()

    first.get("Account", account_id)
    first_reading = salesforce_api_usage()
    second.get("Account", account_id)

    assert first_reading is not None
    assert (first_reading["used"], first_reading["allowed"]) == first.api_usage
    assert first.api_usage[1] == 15000
    usage = salesforce_api_usage()
    assert (usage["used"], usage["allowed"]) == second.api_usage
    assert usage["used"] > first_reading["used"]
    assert before <= first_reading["read_at"] <= usage["read_at"] <= timezone.now()
    assert cache.get(api_usage_key(org.url)) == usage


def test_near_the_limit_the_client_refuses_without_calling(org, account_id, nearly_spent):
    assert (salesforce_api_usage()["used"], salesforce_api_usage()["allowed"]) == (4760, 5000)
    before = org.stats()

    # The refusing client read the usage itself; another worker's client only has the cache.
    for salesforce_client in (nearly_spent, SalesforceClient(attempts=4, max_wait=0.01)):
        with pytest.raises(RateLimited) as caught:
            salesforce_client.get("Account", account_id)
        assert str(caught.value) == RESERVE_MESSAGE
        assert (caught.value.code, caught.value.status) == (API_RESERVE_CODE, None)

    after = org.stats()
    assert after["calls"] == before["calls"]
    assert after["status"] == before["status"]
    assert org.api_usage() == 4760


def test_a_smaller_reserve_lets_the_same_reading_through(org, account_id, nearly_spent, settings):
    settings.SALESFORCE_API_RESERVE = 0.04  # 200 of 5,000: the 240 left are above it

    assert nearly_spent.get("Account", account_id)["Name"] == "Acme"

    assert org.api_usage() == 4761
    assert salesforce_api_usage()["used"] == 4761


def test_the_in_call_retry_does_not_pass_the_reserve(org, account_id):
    salesforce_client = SalesforceClient(attempts=4, max_wait=0.01)
    salesforce_client.token()
    org.faults(api_limit=5000, api_usage=4759, fail_rate=1.0)
    other_worker = SalesforceClient()

    def other_worker_calls_meanwhile(response: requests.Response, *args, **kwargs) -> None:
        # While this client backs off after a 503, another worker's call reads 4,760 of 5,000.
        if response.status_code == 503 and other_worker.api_usage is None:
            org.faults(fail_rate=0.0)
            other_worker.get("Account", account_id)

    salesforce_client.session.hooks["response"].append(other_worker_calls_meanwhile)

    with pytest.raises(RateLimited, match="nearly spent: 4,760 of 5,000 used"):
        salesforce_client.get("Account", account_id)

    stats = org.stats()
    assert stats["failed_503"] == 1  # the retry was refused before it left SFNS
    assert stats["calls"]["sobject_record"] == 1  # the other worker's call
    assert org.api_usage() == 4760


def test_a_query_stops_between_pages_when_the_reserve_is_reached(org):
    org.seed_ids(Account=[{"Name": f"Account {n:04d}"} for n in range(2500)])
    org.faults(api_limit=100, api_usage=95)  # the first page leaves 4 calls, under 5 %

    with pytest.raises(RateLimited, match="96 of 100 used"):
        SalesforceClient().query("SELECT Id, Name FROM Account")

    assert (org.calls("query"), org.calls("query_more")) == (1, 0)


def test_the_token_request_is_not_held_back(org, nearly_spent):
    salesforce_module._tokens.clear()
    logins = org.calls("oauth_token")

    SalesforceClient().token()

    assert org.calls("oauth_token") == logins + 1


def test_a_reading_older_than_the_recheck_lets_one_call_read_again(org, account_id, nearly_spent):
    # Time passes and the rolling 24 hours free calls; the held-back workers read nothing new.
    org.faults(api_usage=1000)
    stale = {**salesforce_api_usage(), "read_at": timezone.now() - API_USAGE_RECHECK}
    stale["read_at"] -= dt.timedelta(seconds=1)
    cache.set(api_usage_key(), stale)
    salesforce_client = SalesforceClient()

    assert salesforce_client.get("Account", account_id)["Name"] == "Acme"

    usage = salesforce_api_usage()
    assert (usage["used"], usage["allowed"]) == (1001, 5000)
    assert salesforce_client.get("Account", account_id)["Name"] == "Acme"


def test_with_no_reserve_the_client_goes_up_to_salesforce_s_403(org, account_id, settings):
    settings.SALESFORCE_API_RESERVE = 0
    org.faults(api_limit=5000, api_usage=4998)
    salesforce_client = SalesforceClient(max_wait=0.01)

    salesforce_client.get("Account", account_id)
    salesforce_client.get("Account", account_id)
    assert (salesforce_api_usage()["used"], salesforce_api_usage()["allowed"]) == (5000, 5000)

    with pytest.raises(RateLimited) as caught:
        salesforce_client.get("Account", account_id)

    assert (caught.value.status, caught.value.code) == (403, "REQUEST_LIMIT_EXCEEDED")
    assert org.stats()["rejected_403"] == 1
    assert org.calls("sobject_record") == 3
