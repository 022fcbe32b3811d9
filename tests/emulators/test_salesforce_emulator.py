"""
The Salesforce emulator against docs/wire.md, over real HTTPS: OAuth, REST, SOQL, limits, outbound
messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from defusedxml import ElementTree

from emulators.base import start_emulator
from emulators.salesforce import SalesforceEmulator
from emulators.salesforce.ids import id18

API = "/services/data/v62.0"
REST_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Api:
    """A bearer-authenticated session on one emulator's /services/data/v62.0."""

    def __init__(self, url: str, token: str, verify: str | bool) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        target = path if path.startswith("/services/") else f"{API}/{path}"
        return self.session.request(method, self.url + target, timeout=10, **kwargs)

    def control(self, action: str, body: dict | None = None) -> requests.Response:
        response = self.session.post(
            f"{self.url}/__emulator__/{action}", json=body or {}, timeout=10
        )
        response.raise_for_status()
        return response

    def query(self, soql: str, **kwargs) -> requests.Response:
        return self("GET", "query", params={"q": soql}, **kwargs)


def password_token(url: str, settings, verify: str | bool = True, **overrides) -> requests.Response:
    form = {
        "grant_type": "password",
        "client_id": settings.SALESFORCE_CLIENT_ID,
        "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        "username": settings.SALESFORCE_USERNAME,
        "password": settings.SALESFORCE_PASSWORD,
        **overrides,
    }
    return requests.post(f"{url}/services/oauth2/token", data=form, timeout=10, verify=verify)


@pytest.fixture
def sf(salesforce_emulator, salesforce_ca, settings) -> Api:
    token = password_token(salesforce_emulator.url, settings, salesforce_ca).json()["access_token"]
    return Api(salesforce_emulator.url, token, salesforce_ca)


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert isinstance(body, list)
    assert set(body[0]) == {"message", "errorCode", "fields"}
    return response.status_code, body[0]["errorCode"], body[0]["message"]


def create_account(sf: Api, **fields) -> str:
    response = sf("POST", "sobjects/Account/", json={"Name": "Acme", **fields})
    assert response.status_code == 201, response.text
    return response.json()["id"]


# -- OAuth -----------------------------------------------------------------------------------


def test_password_flow_returns_signed_token(salesforce_emulator, salesforce_ca, settings):
    response = password_token(salesforce_emulator.url, settings, salesforce_ca)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == salesforce_emulator.url
    assert re.match(
        rf"^{re.escape(salesforce_emulator.url)}/id/{settings.SALESFORCE_ORG_ID}/005\w{{15}}$",
        body["id"],
    )
    assert body["issued_at"].isdigit() and abs(int(body["issued_at"]) / 1000 - time.time()) < 60
    expected = hmac.new(
        settings.SALESFORCE_CLIENT_SECRET.encode(),
        (body["id"] + body["issued_at"]).encode(),
        hashlib.sha256,
    ).digest()
    assert base64.b64decode(body["signature"]) == expected


UNSUPPORTED = "grant type not supported"


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"password": "wrong"}, "invalid_grant", "authentication failure"),
        ({"username": "someone@else.example"}, "invalid_grant", "authentication failure"),
        ({"client_id": "nope"}, "invalid_client_id", "client identifier invalid"),
        ({"client_secret": "nope"}, "invalid_client", "invalid client credentials"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type", UNSUPPORTED),
        ({"grant_type": ""}, "unsupported_grant_type", UNSUPPORTED),
    ],
)
def test_token_failures_answer_400_with_oauth_error(
    salesforce_emulator, salesforce_ca, settings, overrides, error, description
):
    response = password_token(salesforce_emulator.url, settings, salesforce_ca, **overrides)

    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}


@pytest.mark.parametrize("use_basic_auth", [False, True])
def test_client_credentials_flow(salesforce_emulator, salesforce_ca, settings, use_basic_auth):
    form = {"grant_type": "client_credentials"}
    auth = None
    if use_basic_auth:
        auth = (settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET)
    else:
        form |= {
            "client_id": settings.SALESFORCE_CLIENT_ID,
            "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        }
    url = f"{salesforce_emulator.url}/services/oauth2/token"

    response = requests.post(url, data=form, auth=auth, timeout=10, verify=salesforce_ca)
    wrong = requests.post(
        url,
        data={"grant_type": "client_credentials"},
        auth=(settings.SALESFORCE_CLIENT_ID, "wrong"),
        timeout=10,
        verify=salesforce_ca,
    )

    assert response.status_code == 200
    api = Api(salesforce_emulator.url, response.json()["access_token"], salesforce_ca)
    assert api("GET", "limits").status_code == 200
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_client"


@pytest.fixture
def jwt_key(tmp_path, settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.SALESFORCE_PRIVATE_KEY_FILE = str(path)
    return key


def jwt_token(url: str, verify: str, assertion: str) -> requests.Response:
    return requests.post(
        f"{url}/services/oauth2/token",
        data={"grant_type": JWT_GRANT, "assertion": assertion},
        timeout=10,
        verify=verify,
    )


@pytest.mark.parametrize(
    "audience", ["own", "https://login.salesforce.com", "https://test.salesforce.com"]
)
def test_jwt_bearer_flow(salesforce_emulator, salesforce_ca, settings, jwt_key, audience):
    claims = {
        "iss": settings.SALESFORCE_CLIENT_ID,
        "sub": settings.SALESFORCE_USERNAME,
        "aud": salesforce_emulator.url if audience == "own" else audience,
        "exp": int(time.time()) + 120,
    }
    assertion = jwt.encode(claims, jwt_key, algorithm="RS256")

    response = jwt_token(salesforce_emulator.url, salesforce_ca, assertion)

    assert response.status_code == 200, response.text
    assert response.json()["instance_url"] == salesforce_emulator.url
    api = Api(salesforce_emulator.url, response.json()["access_token"], salesforce_ca)
    assert api("GET", "limits").status_code == 200


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"aud": "https://evil.example.com"}, "invalid_grant"),
        ({"exp": -10}, "invalid_grant"),
        ({"exp": 3600}, "invalid_grant"),
        ({"iss": "someone-else"}, "invalid_client_id"),
        ({"sub": "nobody@sfns.example"}, "invalid_grant"),
        ({"other_key": True}, "invalid_grant"),
    ],
)
def test_jwt_bearer_rejections(
    salesforce_emulator, salesforce_ca, settings, jwt_key, change, error
):
    claims = {
        "iss": change.get("iss", settings.SALESFORCE_CLIENT_ID),
        "sub": change.get("sub", settings.SALESFORCE_USERNAME),
        "aud": change.get("aud", salesforce_emulator.url),
        "exp": int(time.time()) + change.get("exp", 120),
    }
    key = rsa.generate_private_key(65537, 2048) if change.get("other_key") else jwt_key
    assertion = jwt.encode(claims, key, algorithm="RS256")

    response = jwt_token(salesforce_emulator.url, salesforce_ca, assertion)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_jwt_without_configured_key_is_invalid_grant(
    salesforce_emulator, salesforce_ca, settings, tmp_path
):
    settings.SALESFORCE_PRIVATE_KEY_FILE = ""
    key = rsa.generate_private_key(65537, 2048)
    claims = {
        "iss": settings.SALESFORCE_CLIENT_ID,
        "sub": settings.SALESFORCE_USERNAME,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 60,
    }

    response = jwt_token(
        salesforce_emulator.url, salesforce_ca, jwt.encode(claims, key, algorithm="RS256")
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# -- sessions --------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_missing_or_unknown_session_is_401(salesforce_emulator, salesforce_ca, header):
    headers = {"Authorization": header} if header else {}

    response = requests.get(
        f"{salesforce_emulator.url}{API}/query",
        params={"q": "SELECT Id FROM Account"},
        headers=headers,
        timeout=10,
        verify=salesforce_ca,
    )

    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]


def test_expire_sessions_invalidates_every_token(sf):
    assert sf("GET", "limits").status_code == 200

    sf.control("expire-sessions")

    status, code, message = error_of(sf("GET", "limits"))
    assert (status, code, message) == (401, "INVALID_SESSION_ID", "Session expired or invalid")


# -- sObject CRUD ----------------------------------------------------------------------------


def test_account_create_read_update_delete(sf):
    created = sf("POST", "sobjects/Account/", json={"Name": "Acme", "Phone": "555-0100"})

    assert created.status_code == 201
    assert created.json()["success"] is True and created.json()["errors"] == []
    account_id = created.json()["id"]
    assert len(account_id) == 18 and account_id.startswith("001")
    assert account_id == id18(account_id[:15])

    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert record["attributes"] == {
        "type": "Account",
        "url": f"{API}/sobjects/Account/{account_id}",
    }
    assert record["Id"] == account_id and record["Name"] == "Acme"
    assert record["Website"] is None
    for field in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert REST_DATETIME.match(record[field]), record[field]

    updated = sf("PATCH", f"sobjects/Account/{account_id}", json={"Website": "acme.example"})
    assert updated.status_code == 204 and updated.content == b""

    partial = sf("GET", f"sobjects/Account/{account_id}", params={"fields": "name,Website"})
    assert partial.json() == {
        "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
        "Name": "Acme",
        "Website": "acme.example",
    }
    after = sf("GET", f"sobjects/Account/{account_id}").json()
    assert after["LastModifiedDate"] > record["LastModifiedDate"]
    assert after["CreatedDate"] == record["CreatedDate"]

    assert sf("DELETE", f"sobjects/Account/{account_id}").status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        response = sf(method, f"sobjects/Account/{account_id}", json={"Name": "x"})
        assert error_of(response) == (404, "ENTITY_IS_DELETED", "entity is deleted")


def test_fifteen_char_id_reads_the_same_record(sf):
    account_id = create_account(sf)

    response = sf("GET", f"sobjects/Account/{account_id[:15]}")

    assert response.status_code == 200
    assert response.json()["Id"] == account_id


def test_missing_record_is_not_found(sf):
    for record_id in ("001000000000000AAA", "garbage"):
        response = sf("GET", f"sobjects/Account/{record_id}")
        assert error_of(response) == (
            404,
            "NOT_FOUND",
            "The requested resource does not exist",
        )


def test_unknown_field_is_invalid_field(sf):
    account_id = create_account(sf)

    on_create = sf("POST", "sobjects/Account/", json={"Name": "A", "Colour": "red"})
    on_update = sf("PATCH", f"sobjects/Account/{account_id}", json={"Colour": "red"})
    on_read = sf("GET", f"sobjects/Account/{account_id}", params={"fields": "Colour"})

    for response in (on_create, on_update, on_read):
        assert error_of(response) == (
            400,
            "INVALID_FIELD",
            "No such column 'Colour' on sobject of type Account",
        )


def test_custom_fields_are_accepted_and_returned(sf):
    account_id = create_account(sf, SFNS_NetSuite_Id__c="123", Sync_Locked__c=True)

    record = sf("GET", f"sobjects/Account/{account_id}").json()

    assert record["SFNS_NetSuite_Id__c"] == "123"
    assert record["Sync_Locked__c"] is True


@pytest.mark.parametrize("field", ["Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"])
def test_system_fields_are_not_writable(sf, field):
    account_id = create_account(sf)
    value = "2026-01-01T00:00:00.000+0000" if field != "Id" else account_id

    response = sf("PATCH", f"sobjects/Account/{account_id}", json={field: value})

    status, code, message = error_of(response)
    assert (status, code) == (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    assert message.startswith(f"Unable to create/update fields: {field}.")
    assert response.json()[0]["fields"] == [field]


def test_account_name_is_required(sf):
    account_id = create_account(sf)

    on_create = sf("POST", "sobjects/Account/", json={"Phone": "1"})
    on_update = sf("PATCH", f"sobjects/Account/{account_id}", json={"Name": None})

    for response in (on_create, on_update):
        assert response.json() == [
            {
                "message": "Required fields are missing: [Name]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["Name"],
            }
        ]
        assert response.status_code == 400


def test_opportunity_requires_name_stage_and_close_date(sf):
    account_id = create_account(sf)

    missing = sf("POST", "sobjects/Opportunity/", json={"AccountId": account_id})
    created = sf(
        "POST",
        "sobjects/Opportunity/",
        json={
            "Name": "Deal",
            "StageName": "Prospecting",
            "CloseDate": "2026-10-01",
            "Amount": 1200,
            "AccountId": account_id,
        },
    )

    assert error_of(missing)[:2] == (400, "REQUIRED_FIELD_MISSING")
    assert missing.json()[0]["fields"] == ["Name", "StageName", "CloseDate"]
    assert created.status_code == 201 and created.json()["id"].startswith("006")
    record = sf("GET", f"sobjects/Opportunity/{created.json()['id']}").json()
    assert record["Amount"] == 1200.0 and record["CloseDate"] == "2026-10-01"
    assert record["AccountId"] == account_id


def test_field_values_are_type_checked(sf):
    bad_number = sf("POST", "sobjects/Account/", json={"Name": "A", "NumberOfEmployees": "many"})
    bad_parent = sf("POST", "sobjects/Account/", json={"Name": "A", "ParentId": "xyz"})
    too_long = sf("POST", "sobjects/Account/", json={"Name": "A" * 256})

    assert error_of(bad_number)[:2] == (400, "JSON_PARSER_ERROR")
    assert error_of(bad_parent)[:2] == (400, "MALFORMED_ID")
    assert error_of(too_long)[:2] == (400, "STRING_TOO_LONG")


def test_unknown_sobject_and_bad_version_are_not_found(sf):
    assert error_of(sf("POST", "sobjects/Widget/", json={"Name": "x"}))[:2] == (404, "NOT_FOUND")
    bad_version = sf("GET", "/services/data/62/limits")
    assert error_of(bad_version)[:2] == (404, "NOT_FOUND")
    other_version = sf("GET", "/services/data/v58.0/limits")
    assert other_version.status_code == 200


# -- upsert ----------------------------------------------------------------------------------


def test_upsert_by_external_id_creates_updates_and_reports_duplicates(sf):
    first = sf("PATCH", "sobjects/Account/NS_Id__c/NS-1", json={"Name": "Acme"})

    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["success"] is True
    account_id = first.json()["id"]

    second = sf("PATCH", "sobjects/Account/NS_Id__c/NS-1", json={"Phone": "555"})

    assert second.status_code == 200
    assert second.json() == {"id": account_id, "success": True, "errors": [], "created": False}
    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert record["NS_Id__c"] == "NS-1" and record["Phone"] == "555"

    create_account(sf, NS_Id__c="NS-1")
    third = sf("PATCH", "sobjects/Account/NS_Id__c/NS-1", json={"Phone": "556"})

    assert third.status_code == 300
    assert len(third.json()) == 2
    assert f"{API}/sobjects/Account/{account_id}" in third.json()


def test_upsert_new_record_still_needs_required_fields(sf):
    response = sf("PATCH", "sobjects/Account/NS_Id__c/NS-9", json={"Phone": "1"})

    assert error_of(response)[:2] == (400, "REQUIRED_FIELD_MISSING")


def test_upsert_on_non_external_field_is_not_found(sf):
    response = sf("PATCH", "sobjects/Account/Name/Acme", json={"Phone": "1"})

    assert error_of(response)[:2] == (404, "NOT_FOUND")


# -- sObject collections ---------------------------------------------------------------------


def test_collection_over_200_records_is_refused(sf):
    records = [{"attributes": {"type": "Account"}, "id": "001000000000000AAA"}] * 201

    response = sf("PATCH", "composite/sobjects", json={"allOrNone": False, "records": records})

    assert error_of(response)[:2] == (400, "EXCEEDED_ID_LIMIT")


def test_collection_update_answers_one_result_per_record_in_order(sf):
    good, deleted = create_account(sf), create_account(sf)
    sf("DELETE", f"sobjects/Account/{deleted}")
    records = [
        {"attributes": {"type": "Account"}, "id": good, "Phone": "1"},
        {"attributes": {"type": "Account"}, "Phone": "2"},
        {"attributes": {"type": "Account"}, "id": good, "Colour": "red"},
        {"attributes": {"type": "Account"}, "id": deleted, "Phone": "3"},
        {"attributes": {"type": "Account"}, "id": "006000000000000AAA", "Phone": "4"},
    ]

    response = sf("PATCH", "composite/sobjects", json={"allOrNone": False, "records": records})

    assert response.status_code == 200
    results = response.json()
    assert results[0] == {"id": good, "success": True, "errors": []}
    codes = [r["errors"][0]["statusCode"] for r in results[1:]]
    assert codes == ["MISSING_ARGUMENT", "INVALID_FIELD", "ENTITY_IS_DELETED", "MALFORMED_ID"]
    assert all(r["success"] is False for r in results[1:])
    assert set(results[2]["errors"][0]) == {"statusCode", "message", "fields"}
    assert sf("GET", f"sobjects/Account/{good}").json()["Phone"] == "1"


def test_collection_all_or_none_rolls_back_every_record(sf):
    first, second = create_account(sf, Phone="old"), create_account(sf, Phone="old")
    records = [
        {"attributes": {"type": "Account"}, "id": first, "Phone": "new"},
        {"attributes": {"type": "Account"}, "id": second, "Name": None},
    ]

    response = sf("PATCH", "composite/sobjects", json={"allOrNone": True, "records": records})

    results = response.json()
    assert response.status_code == 200
    assert results[0]["id"] == first and results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf("GET", f"sobjects/Account/{first}").json()["Phone"] == "old"


def test_collection_create(sf):
    records = [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(3)]

    response = sf("POST", "composite/sobjects", json={"allOrNone": True, "records": records})

    assert [r["success"] for r in response.json()] == [True, True, True]
    assert all(r["id"].startswith("001") for r in response.json())


# -- SOQL ------------------------------------------------------------------------------------


def seed(sf: Api, **data) -> dict:
    return sf.control("seed", data).json()["ids"]


def names(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["Name"] for record in response.json()["records"]]


def test_query_filters(sf):
    ids = seed(
        sf,
        Account=[
            {
                "Name": "Alpha",
                "Industry": "Energy",
                "NumberOfEmployees": 10,
                "Flag__c": True,
                "LastModifiedDate": "2026-09-01T09:00:00Z",
            },
            {
                "Name": "Beta",
                "Industry": "energy",
                "NumberOfEmployees": 20,
                "LastModifiedDate": "2026-09-01T10:00:00Z",
            },
            {
                "Name": "Gamma",
                "Industry": None,
                "NumberOfEmployees": 30,
                "Flag__c": False,
                "LastModifiedDate": "2026-09-01T11:00:00.000+0000",
            },
        ],
    )["Account"]
    alpha, beta, gamma = ids

    def query(where: str) -> list[str]:
        return sorted(names(sf.query(f"SELECT Name FROM Account WHERE {where}")))

    assert query(f"Id = '{beta}'") == ["Beta"]
    assert query(f"id = '{beta[:15]}'") == ["Beta"]
    assert query(f"Id IN ('{alpha}', '{gamma}')") == ["Alpha", "Gamma"]
    assert query("Industry = 'ENERGY'") == ["Alpha", "Beta"]
    assert query("industry = null") == ["Gamma"]
    assert query("Industry != null") == ["Alpha", "Beta"]
    assert query("NumberOfEmployees = 20") == ["Beta"]
    assert query("NumberOfEmployees > 15 AND Name != 'Gamma'") == ["Beta"]
    assert query("Flag__c = true") == ["Alpha"]
    assert query("Flag__c = false") == ["Gamma"]
    assert query("LastModifiedDate > 2026-09-01T10:00:00Z") == ["Gamma"]
    assert query("LastModifiedDate >= 2026-09-01T10:00:00Z") == ["Beta", "Gamma"]
    assert query("LastModifiedDate < 2026-09-01T10:00:00.000+00:00") == ["Alpha"]
    assert query("Name = 'Alpha' OR Name = 'Gamma'") == ["Alpha", "Gamma"]
    assert query("Name LIKE 'Ga%'") == ["Gamma"]


def test_query_records_carry_attributes_and_selected_fields_only(sf):
    account_id = seed(sf, Account=[{"Name": "Alpha", "Phone": "1"}])["Account"][0]

    body = sf.query("select id, NAME from account").json()

    assert body == {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
                "Id": account_id,
                "Name": "Alpha",
            }
        ],
    }


def test_query_order_by_and_limit(sf):
    seed(
        sf,
        Account=[
            {"Name": "b", "AnnualRevenue": 2},
            {"Name": "a", "AnnualRevenue": 3},
            {"Name": "c"},
        ],
    )

    assert names(sf.query("SELECT Name FROM Account ORDER BY Name")) == ["a", "b", "c"]
    assert names(sf.query("SELECT Name FROM Account ORDER BY Name DESC LIMIT 2")) == ["c", "b"]
    by_revenue = sf.query("SELECT Name FROM Account ORDER BY AnnualRevenue DESC")
    assert names(by_revenue) == ["a", "b", "c"]
    assert sf.query("SELECT Name FROM Account LIMIT 1").json()["totalSize"] == 1


def test_query_pages_follow_next_records_url_with_batch_size(sf):
    seed(sf, Account=[{"Name": f"Account {i:04d}"} for i in range(450)])
    headers = {"Sforce-Query-Options": "batchSize=200"}

    page = sf.query("SELECT Id, Name FROM Account ORDER BY Name", headers=headers).json()
    seen, pages = [], 0
    while True:
        pages += 1
        assert page["totalSize"] == 450
        seen += [record["Name"] for record in page["records"]]
        if page["done"]:
            assert "nextRecordsUrl" not in page
            break
        assert re.match(rf"^{API}/query/01g\w{{15}}-\d+$", page["nextRecordsUrl"])
        page = sf("GET", page["nextRecordsUrl"]).json()

    assert pages == 3
    assert seen == [f"Account {i:04d}" for i in range(450)]


def test_query_default_page_is_2000_rows(sf):
    seed(sf, Account=[{"Name": f"A{i}"} for i in range(2001)])

    first = sf.query("SELECT Id FROM Account").json()
    second = sf("GET", first["nextRecordsUrl"]).json()

    assert (len(first["records"]), first["done"]) == (2000, False)
    assert (len(second["records"]), second["done"]) == (1, True)


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELEC Id FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id, FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account LIMIT x", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Account", "MALFORMED_QUERY"),
        ("SELECT Colour FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Colour = 'red'", "INVALID_FIELD"),
        ("SELECT Id FROM Account ORDER BY Colour", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE LastModifiedDate > '2026-09-01T10:00:00Z'", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Widget", "INVALID_TYPE"),
        ("SELECT Id FROM Account WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR"),
    ],
)
def test_bad_soql_is_refused(sf, soql, code):
    assert error_of(sf.query(soql))[:2] == (400, code)


def test_organization_reports_the_edition(sf, settings):
    query = "SELECT Id, Name, OrganizationType FROM Organization"

    before = sf.query(query).json()["records"]
    sf.control("faults", {"edition": "Professional Edition"})
    after = sf.query(query).json()["records"]
    sf.control("seed", {"edition": "Unlimited Edition"})
    seeded = sf.query(query).json()["records"]

    assert len(before) == 1
    assert before[0]["Id"] == settings.SALESFORCE_ORG_ID
    assert before[0]["OrganizationType"] == "Enterprise Edition"
    assert after[0]["OrganizationType"] == "Professional Edition"
    assert seeded[0]["OrganizationType"] == "Unlimited Edition"


def test_unknown_query_locator_is_refused(sf):
    response = sf("GET", "query/01g000000000000AAA-2000")

    assert error_of(response)[:2] == (400, "INVALID_QUERY_LOCATOR")


# -- limits and injected faults --------------------------------------------------------------


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


@pytest.fixture
def faults(sf):
    """Set injected faults for one test and always put them back."""
    yield lambda **values: sf.control("faults", values)
    sf.control("faults", {"latency_ms": 0, "fail_rate": 0.0, "concurrency_limit": 0})


def test_concurrency_limit_answers_long_transaction_403(sf, faults):
    faults(latency_ms=400, concurrency_limit=1)

    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(lambda _: sf("GET", "limits"), range(3)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200 and 403 in statuses
    refused = next(r for r in responses if r.status_code == 403)
    assert refused.json() == [
        {
            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "fields": [],
        }
    ]


def test_injected_failure_is_a_json_503(sf, faults):
    faults(fail_rate=1.0)

    response = sf("GET", "limits")

    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"


# -- outbound messages -----------------------------------------------------------------------

ACK = (
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
NACK = ACK.replace(b"<Ack>true</Ack>", b"<Ack>false</Ack>")


class Receiver:
    """A listener on 127.0.0.1 that answers from a script of (status, body), then always Acks."""

    def __init__(self, script: list[tuple[int, bytes]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[dict, bytes]] = []
        self.acked = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status, answer = receiver.script.pop(0) if receiver.script else (200, ACK)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                if answer == ACK and status == 200:
                    receiver.acked.set()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/outbound"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def notifying(settings):
    """An emulator with a notify_url pointing at a scripted receiver (plain HTTP)."""
    started = []

    def start(script: list[tuple[int, bytes]]) -> tuple[Api, Receiver]:
        receiver = Receiver(script)
        app = SalesforceEmulator(notify_url=receiver.url)
        running = start_emulator(app)
        started.append((running, receiver))
        token = password_token(running.url, settings).json()["access_token"]
        return Api(running.url, token, True), receiver

    yield start
    for running, receiver in started:
        running.stop()
        receiver.close()


NS = {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "om": "http://soap.sforce.com/2005/09/outbound",
    "sf": "urn:sobject.enterprise.soap.sforce.com",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def test_outbound_message_is_retried_until_acknowledged(notifying, settings):
    sf, receiver = notifying([(500, b"busy"), (200, NACK)])

    account_id = create_account(sf, Phone="555", NumberOfEmployees=12)

    assert receiver.acked.wait(10)
    assert len(receiver.requests) == 3
    assert len({body for _, body in receiver.requests}) == 1  # the same message, retried
    headers, body = receiver.requests[-1]
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["SOAPAction"] == "notifications"
    notifications = ElementTree.fromstring(body).find("soapenv:Body/om:notifications", NS)
    children = [child.tag.split("}")[1] for child in notifications]
    assert children == [
        "OrganizationId",
        "ActionId",
        "SessionId",
        "EnterpriseUrl",
        "PartnerUrl",
        "Notification",
    ]
    assert notifications.findtext("om:OrganizationId", namespaces=NS) == settings.SALESFORCE_ORG_ID
    assert notifications.findtext("om:ActionId", namespaces=NS).startswith("04k")
    session = notifications.find("om:SessionId", NS)
    assert session.get(f"{{{NS['xsi']}}}nil") == "true"
    assert notifications.findtext("om:EnterpriseUrl", namespaces=NS).startswith(sf.url)
    notification = notifications.find("om:Notification", NS)
    assert re.match(r"^04l\w{15}$", notification.findtext("om:Id", namespaces=NS))
    sobject = notification.find("om:sObject", NS)
    assert sobject.get(f"{{{NS['xsi']}}}type") == "sf:Account"
    assert sobject.findtext("sf:Id", namespaces=NS) == account_id
    assert sobject.findtext("sf:Name", namespaces=NS) == "Acme"
    assert sobject.findtext("sf:NumberOfEmployees", namespaces=NS) == "12"
    assert sobject.find("sf:Website", NS) is None  # null fields are left out
    modified = sobject.findtext("sf:LastModifiedDate", namespaces=NS)
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", modified)
    # The receiver has answered; the notifier counts the delivery once it has read the Ack.
    deadline = time.monotonic() + 5
    while True:
        stats = sf.session.get(f"{sf.url}/__emulator__/stats", timeout=5).json()
        if stats["notifications"]["delivered"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert stats["notifications"]["delivered"] == 1
    assert stats["notifications"]["attempts"] == 3


def test_ui_edit_notifies_and_seed_does_not(notifying):
    sf, receiver = notifying([])
    account_id = seed(sf, Account=[{"Name": "Seeded"}])["Account"][0]

    edited = sf.control("edit", {"type": "Account", "id": account_id, "fields": {"Phone": "9"}})
    created = sf.control(
        "edit",
        {
            "type": "Opportunity",
            "fields": {
                "Name": "Deal",
                "StageName": "Closed Won",
                "CloseDate": "2026-09-30",
                "AccountId": account_id,
            },
        },
    )

    assert edited.json()["created"] is False and created.json()["created"] is True
    deadline = time.monotonic() + 10
    while len(receiver.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    bodies = [ElementTree.fromstring(body) for _, body in receiver.requests]
    assert len(bodies) == 2
    types = [b.find(".//om:sObject", NS).get(f"{{{NS['xsi']}}}type") for b in bodies]
    assert types == ["sf:Account", "sf:Opportunity"]
    assert bodies[0].findtext(".//sf:Phone", namespaces=NS) == "9"
    ids = {b.findtext(".//om:Notification/om:Id", namespaces=NS) for b in bodies}
    assert len(ids) == 2
    assert sf("GET", f"sobjects/Account/{account_id}").json()["Phone"] == "9"


def test_ui_edit_is_validated_like_the_api(sf):
    response = sf.session.post(
        f"{sf.url}/__emulator__/edit", json={"type": "Account", "fields": {"Phone": "1"}}, timeout=5
    )

    assert error_of(response)[:2] == (400, "REQUIRED_FIELD_MISSING")


def test_state_is_json_and_reset_empties_it(sf):
    create_account(sf)

    state = sf.session.get(f"{sf.url}/__emulator__/state", timeout=5).json()
    sf.control("reset")
    after = sf.session.get(f"{sf.url}/__emulator__/state", timeout=5).json()

    assert len(state["records"]["Account"]) == 1
    assert after["records"] == {"Account": {}, "Opportunity": {}}
