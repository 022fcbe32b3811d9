"""The daily API allocation and Sforce-Limit-Info (emulators/salesforce/limits.py)."""

from __future__ import annotations


def test_every_data_call_counts_in_sforce_limit_info(sf):
    usages = []
    for path in ("limits", "sobjects/Widget/", "query?q=SELEC"):
        response = sf("GET", path)
        usages.append(response.headers["Sforce-Limit-Info"])

    assert usages == ["api-usage=1/15000", "api-usage=2/15000", "api-usage=3/15000"]


def test_daily_allocation_spent_answers_403(sf):
    sf.control("faults", {"api_limit": 3, "api_usage": 1})

    allowed = [sf("GET", "limits") for _ in range(2)]
    refused = sf("GET", "limits")

    assert [r.headers["Sforce-Limit-Info"] for r in allowed] == ["api-usage=2/3", "api-usage=3/3"]
    assert refused.status_code == 403
    assert refused.json() == [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "fields": [],
        }
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=3/3"
    sf.control("reset")
    assert sf("GET", "limits").headers["Sforce-Limit-Info"] == "api-usage=1/15000"


def test_a_version_the_org_does_not_serve_is_not_found(sf):
    served = sf("GET", "/services/data/v31.0/limits")
    too_old = sf("GET", "/services/data/v20.0/limits")
    too_new = sf("GET", "/services/data/v99.0/limits")

    assert served.status_code == 200
    assert (too_old.status_code, too_new.status_code) == (404, 404)
    assert too_old.json()[0]["errorCode"] == "NOT_FOUND"
