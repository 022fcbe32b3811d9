"""The REST Composite resource: subrequests as one API call (emulators/salesforce/composite.py)."""

from __future__ import annotations

import time
from urllib.parse import quote, urlencode

from defusedxml import ElementTree

from .helpers import API, as_person, create_account, error_of, seed
from .receiver import NS, messages, wait_for

HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same transaction "
    "failed.",
}


def get(url: str, reference_id: str, **extra) -> dict:
    return {"method": "GET", "url": f"{API}/{url}", "referenceId": reference_id, **extra}


def soql(resource: str, text: str) -> str:
    return f"{resource}?{urlencode({'q': text})}"


def composite(sf, subrequests: list[dict], *, all_or_none: bool = False):
    return sf("POST", "composite", json={"allOrNone": all_or_none, "compositeRequest": subrequests})


def seed_org(sf) -> str:
    account_id = seed(
        sf,
        Account=[{"Name": "Live"}, {"Name": "Binned", "IsDeleted": True}],
    )["Account"][0]
    seed(
        sf,
        Opportunity=[
            {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-09-30"},
        ],
    )
    return account_id


def test_two_queryall_subrequests_answer_in_order_and_cost_one_api_call(sf):
    seed_org(sf)

    response = composite(
        sf,
        [
            get(soql("queryAll", "SELECT Name, IsDeleted FROM Account ORDER BY Name"), "accounts"),
            get(soql("queryAll", "SELECT Name FROM Opportunity"), "opportunities"),
        ],
    )

    assert response.status_code == 200, response.text
    results = response.json()["compositeResponse"]
    assert [r["referenceId"] for r in results] == ["accounts", "opportunities"]
    assert [(r["httpStatusCode"], r["httpHeaders"]) for r in results] == [(200, {}), (200, {})]
    accounts, opportunities = results[0]["body"], results[1]["body"]
    assert [(a["Name"], a["IsDeleted"]) for a in accounts["records"]] == [
        ("Binned", True),
        ("Live", False),
    ]
    assert (accounts["totalSize"], accounts["done"]) == (2, True)
    assert [o["Name"] for o in opportunities["records"]] == ["Deal"]
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert sf.state()["api_usage"] == 1


def test_query_subrequests_answer_what_plain_queries_answer(sf):
    seed(sf, Account=[{"Name": f"Account {i:03d}", "Phone": str(i)} for i in range(5)])
    seed_org(sf)
    text = "SELECT Id, Name, Phone FROM Account WHERE Name LIKE 'Account%' ORDER BY Name"
    names = "SELECT Name FROM Account ORDER BY Name"

    response = composite(
        sf,
        [
            get(soql("query/", text), "plusEncoded"),  # /query/?q=SELECT+Id...
            get(f"query?q={quote(text)}", "percentEncoded"),  # /query?q=SELECT%20Id...
            get(soql("queryAll", names), "all"),
            get(soql("query", names), "live"),
        ],
    )

    plus, percent, every, live = [r["body"] for r in response.json()["compositeResponse"]]
    plain = sf.query(text).json()
    assert plus == percent == plain
    assert len(plain["records"]) == 5
    assert every == sf("GET", "queryAll", params={"q": names}).json()
    assert live == sf.query(names).json()
    assert every["totalSize"] == live["totalSize"] + 1  # the recycle bin's Account


def test_query_subrequest_pages_with_its_own_headers(sf):
    seed(sf, Account=[{"Name": f"A{i:03d}"} for i in range(250)])
    text = "SELECT Name FROM Account ORDER BY Name"
    options = {"Sforce-Query-Options": "batchSize=200"}

    response = composite(sf, [get(soql("query", text), "page", httpHeaders=options)])

    first = response.json()["compositeResponse"][0]["body"]
    assert (len(first["records"]), first["done"]) == (200, False)
    rest = sf("GET", first["nextRecordsUrl"]).json()
    names = [r["Name"] for r in first["records"] + rest["records"]]
    assert names == [f"A{i:03d}" for i in range(250)]


def test_failing_subrequest_gets_its_own_error_and_the_others_run(sf):
    seed_org(sf)

    response = composite(
        sf,
        [
            get(soql("query", "SELEC Name FROM Account"), "bad"),
            get(soql("query", "SELECT Name FROM Account"), "good"),
        ],
    )

    assert response.status_code == 200
    bad, good = response.json()["compositeResponse"]
    plain = sf.query("SELEC Name FROM Account")
    assert (bad["httpStatusCode"], bad["body"]) == (400, plain.json())
    assert error_of(plain)[:2] == (400, "MALFORMED_QUERY")
    assert bad["referenceId"] == "bad"
    assert (good["httpStatusCode"], [r["Name"] for r in good["body"]["records"]]) == (200, ["Live"])


def test_all_or_none_failure_rolls_back_and_halts_every_other_subrequest(sf):
    response = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "newAccount",
                "body": {"Name": "Rolled back"},
            },
            get(soql("query", "SELECT Nope__c FROM Account"), "bad"),
            get(soql("query", "SELECT Name FROM Account"), "after"),
        ],
        all_or_none=True,
    )

    assert response.status_code == 200
    created, bad, after = response.json()["compositeResponse"]
    assert created == {
        "body": [HALTED],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": "newAccount",
    }
    assert (bad["httpStatusCode"], bad["body"][0]["errorCode"]) == (400, "INVALID_FIELD")
    assert after == {**created, "referenceId": "after"}
    assert sf.query("SELECT COUNT() FROM Account").json()["totalSize"] == 0


def test_all_or_none_success_keeps_every_change(sf):
    response = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account/",
                "referenceId": "first",
                "body": {"Name": "One"},
            },
            get(soql("query", "SELECT Name FROM Account"), "check"),
        ],
        all_or_none=True,
    )

    created, check = response.json()["compositeResponse"]
    assert created["httpStatusCode"] == 201
    account_id = created["body"]["id"]
    assert created["httpHeaders"] == {"Location": f"{API}/sobjects/Account/{account_id}"}
    assert [r["Name"] for r in check["body"]["records"]] == ["One"]
    assert sf("GET", f"sobjects/Account/{account_id}").status_code == 200


def test_all_or_none_collection_with_a_failed_record_rolls_everything_back(sf):
    # The guide's "allOrNone Parameters in Composite and Collections Requests", case 4.
    collection = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Account"}, "Name": "Good"},
            {"attributes": {"type": "Account"}, "Nope__c": "no such field"},
        ],
    }
    response = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{API}/composite/sobjects",
                "referenceId": "collection1",
                "body": collection,
            },
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "newAccount",
                "body": {"Name": "Also rolled back"},
            },
        ],
        all_or_none=True,
    )

    saved, halted = response.json()["compositeResponse"]
    assert saved["httpStatusCode"] == 200
    assert [result["success"] for result in saved["body"]] == [True, False]
    assert halted == {
        "body": [HALTED],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": "newAccount",
    }
    assert sf.query("SELECT COUNT() FROM Account").json()["totalSize"] == 0


def test_all_or_none_rollback_sends_no_outbound_message(notifying):
    sf, receiver = notifying([])
    person = as_person(sf)  # whose changes send messages
    composite(
        person,
        [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "rolledBack",
                "body": {"Name": "Rolled back"},
            },
            get(soql("query", "SELEC"), "bad"),
        ],
        all_or_none=True,
    )

    create_account(person, Name="Kept")

    deadline = time.monotonic() + 10
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    names = [
        ElementTree.fromstring(body).findtext(".//sf:Name", namespaces=NS)
        for _, body in receiver.requests
    ]
    assert names == ["Kept"]


def test_a_persons_composite_request_sends_its_messages_together_in_order(notifying):
    sf, receiver = notifying([])
    person = as_person(sf)
    account_id = seed(sf, Account=[{"Name": "Seeded"}])["Account"][0]
    deal_id = seed(
        sf,
        Opportunity=[{"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31"}],
    )["Opportunity"][0]

    def create(reference_id: str) -> dict:
        body = {"Name": reference_id}
        url = f"{API}/sobjects/Account"
        return {"method": "POST", "url": url, "referenceId": reference_id, "body": body}

    response = composite(
        person,
        [
            create("One"),
            create("Two"),
            {
                "method": "PATCH",
                "url": f"{API}/sobjects/Opportunity/{deal_id}",
                "referenceId": "deal",
                "body": {"Amount": 5},
            },
            {  # rolled back on its own: its message goes, the others' stay
                "method": "PATCH",
                "url": f"{API}/composite/sobjects",
                "referenceId": "rolledBack",
                "body": {
                    "allOrNone": True,
                    "records": [
                        {"attributes": {"type": "Account"}, "id": account_id, "Phone": "1"},
                        {"attributes": {"type": "Account"}, "id": "001000000000000AAA"},
                    ],
                },
            },
            create("Three"),
        ],
    )
    wait_for(receiver, 3)
    time.sleep(0.3)  # nothing more comes

    results = {r["referenceId"]: r for r in response.json()["compositeResponse"]}
    assert results["rolledBack"]["body"][0]["success"] is False
    ids = {name: results[name]["body"]["id"] for name in ("One", "Two", "Three")}
    assert messages(receiver) == [
        [("sf:Account", ids["One"]), ("sf:Account", ids["Two"])],
        [("sf:Opportunity", deal_id)],
        [("sf:Account", ids["Three"])],
    ]


def test_sobject_and_describe_subrequests_answer_like_plain_requests(sf):
    account_id = seed_org(sf)

    response = composite(
        sf,
        [
            get(f"sobjects/Account/{account_id}?fields=Name,Phone", "read"),
            get("sobjects/Account/describe/", "describe"),
            {
                "method": "PATCH",
                "url": f"{API}/sobjects/Account/{account_id}",
                "referenceId": "update",
                "body": {"Phone": "555"},
            },
            get("limits", "notComposite"),
            {"method": "PUT", "url": f"{API}/sobjects/Account/{account_id}", "referenceId": "put"},
        ],
    )

    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert sf.state()["api_usage"] == 1
    read, describe, update, limits, put = response.json()["compositeResponse"]
    assert read["body"] == {
        "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
        "Name": "Live",
        "Phone": None,
    }
    assert describe["body"] == sf("GET", "sobjects/Account/describe/").json()
    assert (update["httpStatusCode"], update["body"]) == (204, None)
    assert sf("GET", f"sobjects/Account/{account_id}").json()["Phone"] == "555"
    assert (limits["httpStatusCode"], limits["body"][0]["errorCode"]) == (404, "NOT_FOUND")
    assert (put["httpStatusCode"], put["body"][0]["errorCode"]) == (405, "METHOD_NOT_ALLOWED")


def test_more_than_25_subrequests_is_refused_with_400(sf):
    subrequests = [
        {"method": "POST", "url": f"{API}/sobjects/Account", "referenceId": f"a{i}",
         "body": {"Name": f"A{i}"}}
        for i in range(26)
    ]  # fmt: skip

    response = composite(sf, subrequests)

    assert response.status_code == 400
    assert response.json() == {
        "compositeResponse": [
            {
                "body": [
                    {
                        "errorCode": "LIMIT_EXCEEDED",
                        "message": "The request can\u2019t contain more than 25 operations.",
                    }
                ],
                "httpHeaders": {},
                "httpStatusCode": 400,
                "referenceId": None,
            }
        ]
    }
    assert sf.query("SELECT COUNT() FROM Account").json()["totalSize"] == 0
    assert composite(sf, subrequests[:25]).status_code == 200


def test_more_than_5_query_subrequests_is_refused(sf):
    queries = [get(soql("query", "SELECT Name FROM Account"), f"q{i}") for i in range(6)]

    refused = composite(sf, queries)
    allowed = composite(sf, queries[:5])

    assert refused.status_code == 400
    error = refused.json()["compositeResponse"][0]["body"][0]
    assert error["errorCode"] == "LIMIT_EXCEEDED"
    assert allowed.status_code == 200


def test_malformed_composite_body_is_400_and_runs_nothing(sf):
    query = soql("query", "SELECT Name FROM Account")
    no_reference = {"method": "GET", "url": f"{API}/{query}"}
    cases = [
        {"compositeRequest": [no_reference]},
        {"compositeRequest": [get(query, "x", httpHeaders={"Authorization": "Bearer other"})]},
        {"compositeRequest": [get(query, "bad-id")]},
        {"compositeRequest": [{**get(query, "x"), "url": "/services/apexrest/x"}]},
        {"compositeRequest": [{**get(query, "x"), "method": "get"}]},
        {"compositeRequest": []},
        {"allOrNone": "yes", "compositeRequest": [get(query, "x")]},
    ]

    answers = [sf("POST", "composite", json=body) for body in cases]
    not_json = sf("POST", "composite", data="{", headers={"Content-Type": "application/json"})

    assert answers[0].json() == [
        {"message": "'referenceId' is a required field.", "errorCode": "JSON_PARSER_ERROR"}
    ]
    assert [a.status_code for a in [*answers, not_json]] == [400] * (len(cases) + 1)
    assert {a.json()[0]["errorCode"] for a in [*answers, not_json]} == {"JSON_PARSER_ERROR"}


def test_references_between_subrequests_are_refused_clearly(sf):
    response = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "refAccount",
                "body": {"Name": "Parent"},
            },
            get("sobjects/Account/@{refAccount.id}", "readBack"),
        ],
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "NOT_EMULATED"
    assert "@{referenceId.field}" in response.json()[0]["message"]
    assert sf.query("SELECT COUNT() FROM Account").json()["totalSize"] == 0


def test_composite_needs_a_session_and_an_allocation(sf):
    query = [get(soql("query", "SELECT Name FROM Account"), "q")]
    sf.control("faults", {"api_limit": 5, "api_usage": 5})

    spent = composite(sf, query)
    sf.control("expire-sessions")
    expired = composite(sf, query)

    assert error_of(spent)[:2] == (403, "REQUEST_LIMIT_EXCEEDED")
    assert error_of(expired)[:2] == (401, "INVALID_SESSION_ID")
