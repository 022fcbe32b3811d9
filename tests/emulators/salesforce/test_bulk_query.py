"""Bulk API 2.0 query jobs: create, poll, read CSV sets by locator (salesforce/bulk.py)."""

from __future__ import annotations

import csv
import io

import pytest

from .helpers import create_account, seed

FIELDS = "Id, Name, Phone, NetSuite_Id__c, ParentId, SystemModstamp, IsDeleted"
NOT_COMPLETE = (
    "can only download query results of successfully completed bulk job with status: "
    "JOB_COMPLETE. Current status: {}"
)


def create_job(sf, soql: str, operation: str = "query", version: str = "v62.0"):
    path = f"/services/data/{version}/jobs/query"
    return sf("POST", path, json={"operation": operation, "query": soql})


def poll_until_complete(sf, job_id: str) -> list[str]:
    states = []
    while not states or states[-1] != "JobComplete":
        states.append(sf("GET", f"jobs/query/{job_id}").json()["state"])
        assert len(states) < 10
    return states


def result_sets(sf, job_id: str, max_records: int) -> list:
    answers, locator = [], None
    while locator != "null":
        params = {"maxRecords": max_records, **({"locator": locator} if locator else {})}
        answers.append(sf("GET", f"jobs/query/{job_id}/results", params=params))
        locator = answers[-1].headers["Sforce-Locator"]
    return answers


def as_csv(value) -> str:
    """A REST JSON value as the Bulk CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.endswith("+0000"):
        return value.removesuffix("+0000") + "Z"
    return str(value)


def test_a_new_job_answers_its_info_and_has_to_be_polled_to_completion(sf):
    seed(sf, Account=[{"Name": f"A{i}"} for i in range(3)])

    created = create_job(sf, "SELECT Id FROM Account")
    early = sf("GET", f"jobs/query/{created.json()['id']}/results")
    states = poll_until_complete(sf, created.json()["id"])
    info = sf("GET", f"jobs/query/{created.json()['id']}").json()

    assert created.status_code == 200
    job = created.json()
    assert list(job) == [
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "systemModstamp",
        "state",
        "concurrencyMode",
        "contentType",
        "apiVersion",
        "lineEnding",
        "columnDelimiter",
    ]
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert (job["operation"], job["object"], job["state"]) == ("query", "Account", "UploadComplete")
    assert (job["concurrencyMode"], job["contentType"], job["apiVersion"]) == (
        "Parallel",
        "CSV",
        62.0,
    )
    assert (job["lineEnding"], job["columnDelimiter"]) == ("LF", "COMMA")
    assert early.status_code == 412
    assert early.json() == [
        {"errorCode": "JOB_NOT_COMPLETE", "message": NOT_COMPLETE.format("UPLOAD_COMPLETE")}
    ]
    assert states == ["InProgress", "JobComplete"]
    assert (info["jobType"], info["numberRecordsProcessed"], info["retries"]) == ("V2Query", 3, 0)


def test_csv_sets_read_by_locator_equal_the_soql_result(sf):
    parent = seed(sf, Account=[{"Name": "Parent"}])["Account"][0]
    seed(
        sf,
        Account=[
            {
                "Name": f'Acme, "No. {i}"\nLtd' if i % 5 == 0 else f"Account {i}",
                "Phone": None if i % 2 else f"555-{i}",
                "NetSuite_Id__c": f"NS-{i}" if i % 3 else None,
                "ParentId": parent if i % 4 == 0 else None,
            }
            for i in range(24)
        ],
    )
    soql = f"SELECT {FIELDS} FROM Account ORDER BY Name"
    job_id = create_job(sf, soql).json()["id"]
    poll_until_complete(sf, job_id)

    answers = result_sets(sf, job_id, 10)

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["Sforce-NumberOfRecords"] for a in answers] == ["10", "10", "5"]
    assert answers[0].headers["Content-Type"].startswith("text/csv")
    assert answers[0].text.startswith('"Id","Name","Phone","NetSuite_Id__c","ParentId",')
    assert '"Acme, ""No. 0""\nLtd"' in "".join(a.text for a in answers)  # RFC 4180 quoting
    rows = [row for answer in answers for row in list(csv.reader(io.StringIO(answer.text)))[1:]]
    expected = [
        [as_csv(record[name]) for name in FIELDS.split(", ")]
        for record in sf.query(soql).json()["records"]
    ]
    assert rows == expected
    # A locator names its set for as long as the job lives.
    locator = answers[0].headers["Sforce-Locator"]
    again = sf("GET", f"jobs/query/{job_id}/results", params={"maxRecords": 10, "locator": locator})
    assert again.text == answers[1].text


def test_query_all_job_includes_deleted_rows_and_query_does_not(sf):
    kept, gone = create_account(sf, Name="Kept"), create_account(sf, Name="Gone")
    sf("DELETE", f"sobjects/Account/{gone}")

    def read(operation: str) -> list[dict]:
        job = create_job(sf, "SELECT Id, IsDeleted FROM Account", operation).json()
        poll_until_complete(sf, job["id"])
        (answer,) = result_sets(sf, job["id"], 1000)
        return list(csv.DictReader(io.StringIO(answer.text)))

    everything, live = read("queryAll"), read("query")

    assert sorted((r["Id"], r["IsDeleted"]) for r in everything) == sorted(
        [(kept, "false"), (gone, "true")]
    )
    assert live == [{"Id": kept, "IsDeleted": "false"}]


def test_every_bulk_call_counts_against_the_api_allocation(sf):
    job = create_job(sf, "SELECT Id FROM Account")
    status = sf("GET", f"jobs/query/{job.json()['id']}")
    sf("GET", f"jobs/query/{job.json()['id']}")
    results = sf("GET", f"jobs/query/{job.json()['id']}/results")

    used = [r.headers["Sforce-Limit-Info"] for r in (job, status, results)]
    assert used == ["api-usage=1/15000", "api-usage=2/15000", "api-usage=4/15000"]
    assert results.headers["Sforce-Locator"] == "null"
    assert results.text == '"Id"\n'


def test_abort_and_delete_follow_the_job_state(sf):
    job_id = create_job(sf, "SELECT Id FROM Account").json()["id"]

    early_delete = sf("DELETE", f"jobs/query/{job_id}")
    aborted = sf("PATCH", f"jobs/query/{job_id}", json={"state": "Aborted"})
    results = sf("GET", f"jobs/query/{job_id}/results")
    state = sf("GET", f"jobs/query/{job_id}").json()["state"]
    abort_again = sf("PATCH", f"jobs/query/{job_id}", json={"state": "Aborted"})
    deleted = sf("DELETE", f"jobs/query/{job_id}")
    after = sf("GET", f"jobs/query/{job_id}")

    assert early_delete.status_code == 400
    assert early_delete.json() == [
        {
            "errorCode": "API_ERROR",
            "message": "Error encountered when deleting the job because the job is not terminated",
        }
    ]
    assert (aborted.status_code, aborted.json()["state"]) == (200, "Aborted")
    assert results.status_code == 412
    assert results.json()[0]["message"] == NOT_COMPLETE.format("ABORTED")
    assert state == "Aborted"
    assert abort_again.status_code == 400
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert after.status_code == 404
    assert after.json() == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"operation": "query", "query": "SELECT Colour FROM Account"}, 400, "INVALID_FIELD"),
        ({"operation": "query", "query": "SELEC Id FROM Account"}, 400, "MALFORMED_QUERY"),
        ({"operation": "query", "query": "SELECT Id FROM Account OFFSET 5"}, 400, "API_ERROR"),
        ({"operation": "query", "query": "SELECT COUNT() FROM Account"}, 400, "API_ERROR"),
        ({"operation": "insert", "query": "SELECT Id FROM Account"}, 400, "API_ERROR"),
        ({"operation": "query"}, 400, "API_ERROR"),
        (
            {"operation": "query", "query": "SELECT Id FROM Account", "lineEnding": "CR"},
            400,
            "API_ERROR",
        ),
    ],
)
def test_bad_job_requests_are_refused(sf, body, status, code):
    response = sf("POST", "jobs/query", json=body)

    assert response.status_code == status
    assert response.json()[0]["errorCode"] == code


def test_results_need_the_job_api_version_and_bulk_needs_v47(sf):
    job_id = create_job(sf, "SELECT Id FROM Account").json()["id"]
    poll_until_complete(sf, job_id)

    other_version = sf("GET", f"/services/data/v61.0/jobs/query/{job_id}/results")
    too_old = create_job(sf, "SELECT Id FROM Account", version="v46.0")
    bad_locator = sf("GET", f"jobs/query/{job_id}/results", params={"locator": "nonsense!"})

    assert other_version.status_code == 409
    assert too_old.status_code == 404
    assert bad_locator.status_code == 400


def test_column_delimiter_and_line_ending_are_the_job_options(sf):
    seed(sf, Account=[{"Name": "A|B", "Phone": "1"}])
    body = {
        "operation": "query",
        "query": "SELECT Name, Phone FROM Account",
        "columnDelimiter": "PIPE",
        "lineEnding": "CRLF",
    }
    job = sf("POST", "jobs/query", json=body).json()
    poll_until_complete(sf, job["id"])

    (answer,) = result_sets(sf, job["id"], 100)

    assert answer.text == '"Name"|"Phone"\r\n"A|B"|"1"\r\n'
