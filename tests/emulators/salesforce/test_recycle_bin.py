"""
Deletes, merges and the recycle bin: query and GET lose a deleted record, queryAll keeps it with
IsDeleted and MasterRecordId (emulators/salesforce/recycle.py, query.py).
"""

from __future__ import annotations

import re

from .helpers import API, as_person, create_account, error_of, seed
from .receiver import sobjects, wait_for

DEAL = {"StageName": "Prospecting", "CloseDate": "2026-12-31"}


def records(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["records"]


def query_all(sf, soql: str) -> list[dict]:
    return records(sf("GET", "queryAll", params={"q": soql}))


def create_deal(sf, account_id: str, name: str = "Deal") -> str:
    response = sf(
        "POST", "sobjects/Opportunity/", json={"Name": name, "AccountId": account_id, **DEAL}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_deleted_account_leaves_query_and_get_but_stays_in_query_all(sf):
    doomed, kept = create_account(sf, Name="Doomed"), create_account(sf, Name="Kept")
    deal = create_deal(sf, doomed)
    before = sf("GET", f"sobjects/Account/{doomed}").json()

    assert sf("DELETE", f"sobjects/Account/{doomed}").status_code == 204

    assert error_of(sf("GET", f"sobjects/Account/{doomed}")) == (
        404,
        "ENTITY_IS_DELETED",
        "entity is deleted",
    )
    assert [r["Id"] for r in records(sf.query("SELECT Id FROM Account"))] == [kept]
    assert records(sf.query("SELECT Id FROM Account WHERE IsDeleted = true")) == []
    bin_rows = query_all(
        sf, "SELECT Id, Name, IsDeleted, SystemModstamp, LastModifiedDate FROM Account"
    )
    assert {(r["Id"], r["IsDeleted"]) for r in bin_rows} == {(doomed, True), (kept, False)}
    gone = next(r for r in bin_rows if r["Id"] == doomed)
    assert gone["SystemModstamp"] > before["SystemModstamp"]
    assert gone["LastModifiedDate"] == before["LastModifiedDate"]
    assert gone["attributes"] == {"type": "Account", "url": f"{API}/sobjects/Account/{doomed}"}
    # Its Opportunity went with it (cascade), into the recycle bin too.
    assert error_of(sf("GET", f"sobjects/Opportunity/{deal}"))[:2] == (404, "ENTITY_IS_DELETED")
    assert records(sf.query("SELECT Id FROM Opportunity")) == []
    deals = query_all(sf, "SELECT Id, AccountId, IsDeleted FROM Opportunity")
    assert [(r["Id"], r["AccountId"], r["IsDeleted"]) for r in deals] == [(deal, doomed, True)]


def test_deleted_records_refuse_writes_and_references(sf):
    doomed = create_account(sf)
    sf("DELETE", f"sobjects/Account/{doomed}")

    update = sf("PATCH", f"sobjects/Account/{doomed}", json={"Phone": "1"})
    deal = sf("POST", "sobjects/Opportunity/", json={"Name": "D", "AccountId": doomed, **DEAL})
    child = sf("POST", "sobjects/Account/", json={"Name": "Child", "ParentId": doomed})

    assert error_of(update)[:2] == (404, "ENTITY_IS_DELETED")
    assert error_of(deal) == (400, "ENTITY_IS_DELETED", "entity is deleted")
    assert deal.json()[0]["fields"] == ["AccountId"]
    assert error_of(child)[:2] == (400, "ENTITY_IS_DELETED")


def test_deleting_a_parent_clears_its_children_parent_id(sf):
    parent = create_account(sf, Name="Parent")
    child = create_account(sf, Name="Child", ParentId=parent)
    before = sf("GET", f"sobjects/Account/{child}").json()

    sf("DELETE", f"sobjects/Account/{parent}")

    after = sf("GET", f"sobjects/Account/{child}").json()
    assert after["ParentId"] is None
    assert after["SystemModstamp"] > before["SystemModstamp"]


def test_deletes_send_no_outbound_message(notifying):
    sf, receiver = notifying([])
    person = as_person(sf)  # a person's changes send messages; the integration user's do not
    by_api, by_user = create_account(person, Name="By API"), create_account(person, Name="By user")
    create_deal(person, by_api)
    wait_for(receiver, 3)

    assert person("DELETE", f"sobjects/Account/{by_api}").status_code == 204
    deleted = sf.control("edit", {"type": "Account", "id": by_user, "delete": True}).json()
    sentinel = create_account(person, Name="After")  # messages arrive in order: this one last
    wait_for(receiver, 4)

    assert deleted == {"ok": True, "id": by_user, "deleted": True}
    assert [kind for kind, _ in sobjects(receiver)] == [
        "sf:Account",
        "sf:Account",
        "sf:Opportunity",
        "sf:Account",
    ]
    assert sobjects(receiver)[-1] == ("sf:Account", sentinel)
    ids = [row["Id"] for row in query_all(sf, "SELECT Id FROM Account WHERE IsDeleted = true")]
    assert sorted(ids) == sorted([by_api, by_user])


def test_query_all_pages_through_next_records_url(sf):
    ids = seed(sf, Account=[{"Name": f"A{i:03d}"} for i in range(450)])["Account"]
    sf("DELETE", "composite/sobjects", params={"ids": ",".join(ids[::3])})  # 150 in one call
    headers = {"Sforce-Query-Options": "batchSize=200"}

    first = sf(
        "GET", "queryAll/", params={"q": "SELECT Id, IsDeleted FROM Account"}, headers=headers
    )
    page = first.json()
    # queryAll's locators are /query/ URLs ("REST API Developer Guide", QueryAll).
    assert re.match(rf"^{API}/query/01g\w{{15}}-200$", page["nextRecordsUrl"])
    second = sf("GET", page["nextRecordsUrl"].replace("/query/", "/queryAll/")).json()
    third = sf("GET", second["nextRecordsUrl"]).json()

    rows = page["records"] + second["records"] + third["records"]
    assert (page["totalSize"], len(rows), third["done"]) == (450, 450, True)
    assert sorted(r["Id"] for r in rows) == sorted(ids)
    assert sum(r["IsDeleted"] for r in rows) == 150
    assert sf.query("SELECT Id FROM Account").json()["totalSize"] == 300


def test_merge_deletes_the_losers_and_moves_their_opportunities_to_the_master(notifying):
    sf, receiver = notifying([])
    master, loser, other = seed(
        sf,
        Account=[
            {"Name": "Acme"},
            {"Name": "ACME Inc", "NetSuite_Id__c": "NS-9"},
            {"Name": "Acme Ltd"},
        ],
    )["Account"]
    child = seed(sf, Account=[{"Name": "Acme West", "ParentId": loser}])["Account"][0]
    deals = seed(
        sf,
        Opportunity=[
            {"Name": "Big", "AccountId": loser, **DEAL},
            {"Name": "Small", "AccountId": other, **DEAL},
            {"Name": "Own", "AccountId": master, **DEAL},
        ],
    )["Opportunity"]
    before = sf("GET", f"sobjects/Opportunity/{deals[0]}").json()

    merged = sf.control(
        "merge",
        {
            "type": "Account",
            "master": master,
            "losers": [loser, other],
            "fields": {"NetSuite_Id__c": "NS-9"},  # the user kept the loser's value
        },
    ).json()
    sentinel = create_account(as_person(sf), Name="After")
    wait_for(receiver, 2)

    assert merged == {
        "ok": True,
        "id": master,
        "mergedRecordIds": [loser, other],
        "updatedRelatedIds": [deals[0], deals[1], child],
    }
    losers = query_all(
        sf, "SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE MasterRecordId != null"
    )
    assert sorted((r["Id"], r["IsDeleted"], r["MasterRecordId"]) for r in losers) == sorted(
        [(loser, True, master), (other, True, master)]
    )
    assert error_of(sf("GET", f"sobjects/Account/{loser}"))[:2] == (404, "ENTITY_IS_DELETED")
    moved = records(
        sf.query(
            f"SELECT Id, AccountId, SystemModstamp FROM Opportunity WHERE AccountId = '{master}'"
        )
    )
    assert sorted(r["Id"] for r in moved) == sorted(deals)
    big = next(r for r in moved if r["Id"] == deals[0])
    assert big["SystemModstamp"] > before["SystemModstamp"]
    assert sf("GET", f"sobjects/Account/{child}").json()["ParentId"] == master
    winner = sf("GET", f"sobjects/Account/{master}").json()
    assert (winner["NetSuite_Id__c"], winner["MasterRecordId"]) == ("NS-9", None)
    # The master's update is the only message: reparented Opportunities fire no triggers.
    assert sobjects(receiver) == [("sf:Account", master), ("sf:Account", sentinel)]


def test_a_refused_merge_changes_nothing(sf):
    master, loser, third, fourth = seed(sf, Account=[{"Name": n} for n in "ABCD"])["Account"]
    deleted = create_account(sf)
    sf("DELETE", f"sobjects/Account/{deleted}")

    def merge(**body):
        response = sf.session.post(
            f"{sf.url}/__emulator__/merge", json={"type": "Account", **body}, timeout=10
        )
        return error_of(response)[:2]

    assert merge(master=master, losers=[master]) == (400, "INVALID_ID_FIELD")
    assert merge(master=master, losers=[loser, third, fourth]) == (400, "INVALID_ARGUMENT_TYPE")
    assert merge(master=master, losers=[]) == (400, "INVALID_ARGUMENT_TYPE")
    assert merge(master=master, losers=[loser, deleted]) == (404, "ENTITY_IS_DELETED")
    assert merge(master=master, losers=[loser], fields={"Colour": "red"}) == (400, "INVALID_FIELD")
    assert merge(type="Opportunity", master=master, losers=[loser]) == (400, "INVALID_TYPE")
    assert sf.query("SELECT Id FROM Account").json()["totalSize"] == 4


def test_describe_lists_the_recycle_bin_fields_read_only(sf):
    account = {f["name"]: f for f in sf("GET", "sobjects/Account/describe").json()["fields"]}
    opportunity = {f["name"] for f in sf("GET", "sobjects/Opportunity/describe").json()["fields"]}

    names = list(account)
    assert names[:3] == ["Id", "IsDeleted", "MasterRecordId"]
    deleted, master = account["IsDeleted"], account["MasterRecordId"]
    assert (deleted["type"], deleted["label"], deleted["soapType"]) == (
        "boolean",
        "Deleted",
        "xsd:boolean",
    )
    assert (deleted["createable"], deleted["updateable"], deleted["nillable"]) == (
        False,
        False,
        False,
    )
    assert (master["type"], master["referenceTo"], master["relationshipName"]) == (
        "reference",
        ["Account"],
        "MasterRecord",
    )
    assert (master["createable"], master["updateable"], master["nillable"]) == (False, False, True)
    assert master["defaultedOnCreate"] is False
    assert "IsDeleted" in opportunity and "MasterRecordId" not in opportunity
    account_id = create_account(sf)
    write = sf("PATCH", f"sobjects/Account/{account_id}", json={"IsDeleted": True})
    assert error_of(write)[:2] == (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert (record["IsDeleted"], record["MasterRecordId"]) == (False, None)


def test_collection_delete_answers_one_result_per_id(sf):
    first, second, gone = create_account(sf), create_account(sf), create_account(sf)
    sf("DELETE", f"sobjects/Account/{gone}")

    response = sf("DELETE", "composite/sobjects", params={"ids": f"{first},{gone},nonsense"})
    rolled = sf(
        "DELETE", "composite/sobjects", params={"ids": f"{second},{gone}", "allOrNone": "true"}
    )

    assert response.status_code == 200
    results = response.json()
    assert results[0] == {"id": first, "success": True, "errors": []}
    assert [r["errors"][0]["statusCode"] for r in results[1:]] == [
        "ENTITY_IS_DELETED",
        "MALFORMED_ID",
    ]
    assert [r["success"] for r in rolled.json()] == [False, False]
    assert rolled.json()[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert [r["Id"] for r in records(sf.query("SELECT Id FROM Account"))] == [second]


def test_seed_can_fill_the_recycle_bin(sf):
    master = seed(sf, Account=[{"Name": "Winner"}])["Account"][0]
    loser = seed(
        sf,
        Account=[
            {
                "Name": "Loser",
                "IsDeleted": True,
                "MasterRecordId": master,
                "SystemModstamp": "2026-09-01T10:00:00Z",
            }
        ],
    )["Account"][0]

    assert sf.query("SELECT Id FROM Account").json()["totalSize"] == 1
    rows = query_all(
        sf, "SELECT Id, MasterRecordId, SystemModstamp FROM Account WHERE IsDeleted = true"
    )
    assert rows[0]["Id"] == loser
    assert (rows[0]["MasterRecordId"], rows[0]["SystemModstamp"]) == (
        master,
        "2026-09-01T10:00:00.000+0000",
    )
