"""Governance, injected faults and statistics in NetSuite's format (emulators/netsuite/app.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .helpers import error_of


def test_over_the_concurrency_limit_is_429_and_counted(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])
    netsuite.faults(concurrency_limit=2, latency_ms=400)

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda _: api("GET", "record/v1/customer/501"), range(5)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) >= 2
    assert statuses.count(429) >= 1
    refused = next(r for r in responses if r.status_code == 429)
    detail = error_of(refused)
    assert detail["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert detail["detail"] == "Concurrent request limit exceeded. Request blocked."
    assert "Retry-After" not in refused.headers
    stats = netsuite.stats()
    assert stats["rejected_429"] == statuses.count(429)
    assert stats["status"]["200"] == statuses.count(200)
    assert stats["peak_in_flight"] >= 3
    assert stats["concurrency_limit"] == 2


def test_injected_failures_are_503_in_netsuite_format(netsuite, api):
    netsuite.faults(fail_rate=1.0)

    response = api("GET", "record/v1/customer/501")

    assert response.status_code == 503
    assert error_of(response)["o:errorCode"] == "UNEXPECTED_ERROR"
    assert netsuite.stats()["failed_503"] == 1


def test_stats_reset(netsuite, api):
    api("GET", "record/v1/customer/501")
    assert netsuite.stats()["calls"]["record_item"] == 1

    netsuite.reset_stats()

    stats = netsuite.stats()
    assert stats["calls"] == {}
    assert stats["peak_in_flight"] == 0
