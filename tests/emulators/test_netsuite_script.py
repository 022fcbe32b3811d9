"""
The User Event script SFNS ships (deploy/netsuite), run under Node with stand-ins for NetSuite's
N/ modules (suitescript_harness.js): what it posts and what it keeps quiet about, and that the
NetSuite emulator's webhook decides every case the same way, from the same deployment defaults.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accounts.models import Customer
from emulators.netsuite.package import script_parameters
from emulators.netsuite.webhook import REST_CONTEXT, UI_CONTEXT, skip_reason

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy/netsuite/src/FileCabinet/SuiteScripts/sfns/sfns_customer_ue.js"
HARNESS = Path(__file__).with_name("suitescript_harness.js")
SECRET_ID = "custsecret_sfns_webhook"
LOCK = "custentity_sfns_lock_record"
SFID = "custentity_sfns_salesforce_id"
SFNS_USER = 7  # the employee SFNS's access token belongs to, in these cases

# A customer as SuiteScript reads it (field ids in lower case), and as NetSuite would save it.
SAVED = {
    "companyname": "Acme",
    "entityid": "Acme",
    "phone": "+1 555 0100",
    "externalid": "001000000000001AAA",
    SFID: "001000000000001AAA",
    LOCK: False,
    "balance": 1200.5,
    "overduebalance": 0,
    "creditlimit": 5000,
    "custentity_region": "EMEA",
}


def params(**changes) -> dict:
    """The deployment's parameters: the package's (its defaults), as prepare_deploy fills them."""
    return {**script_parameters(), "custscript_sfns_secret": SECRET_ID, **changes}


def case(kind: str, *, context: str = UI_CONTEXT, user: int = 3, **changes) -> dict:
    """One save: `changes` of the new record (or "old"/"new"/"saved"/"params" whole)."""
    old = changes.pop("old", dict(SAVED))
    new = changes.pop("new", None)
    deployment = changes.pop("params", params())
    if new is None:
        new = {**old, **changes}
    # what record.load finds after the save (xedit's newRecord holds the edited fields only)
    saved = {**old, **new}
    return {
        "type": kind,
        "id": 100,
        "context": context,
        "user": user,
        "params": deployment,
        "old": None if kind == "create" else old,
        "new": None if kind == "delete" else new,
        "saved": saved,
    }


def run_script(*cases: dict) -> list[dict]:
    node = shutil.which("node")
    if not node:
        pytest.skip("needs Node.js to run the SuiteScript")
    from django.conf import settings

    request = {
        "script": str(SCRIPT),
        "secrets": {SECRET_ID: settings.SFNS_WEBHOOK_SECRET},
        "cases": list(cases),
    }
    done = subprocess.run(
        [node, str(HARNESS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def posted(result: dict) -> dict | None:
    """The one event the script POSTed, or None."""
    assert len(result["posts"]) <= 1
    return json.loads(result["posts"][0]["body"]) if result["posts"] else None


REST_BY_SFNS = {"context": REST_CONTEXT, "user": SFNS_USER}
SFNS_KNOWN = params(custscript_sfns_integration_user=str(SFNS_USER))
# (name, the save, whether the script posts it)
CASES = [
    ("a user checks the lock", case("edit", **{LOCK: True}), True),
    ("a user changes the credit limit", case("edit", creditlimit=7500), True),
    ("a user changes the phone only", case("edit", phone="+1 555 0199"), False),
    ("a user saves without a change", case("edit"), False),
    (
        "an empty field read as null, then ''",
        case("edit", old={**SAVED, "url": None}, url=""),
        False,
    ),
    (
        "an unchecked box read as null, then false",
        case("edit", old={**SAVED, LOCK: None}, **{LOCK: False}),
        False,
    ),
    ("a new external id", case("edit", externalid="001000000000002AAA"), True),
    ("a new Salesforce ID", case("edit", **{SFID: "001000000000002AAA"}), True),
    (
        "a mapped field",
        case(
            "edit",
            params=params(custscript_sfns_mapped_fields="custentity_region"),
            **{"custentity_region": "APAC"},
        ),
        True,
    ),
    ("an unmapped custom field", case("edit", custentity_region="APAC"), False),
    (
        "a lock field named by the deployment",
        case(
            "edit",
            params=params(custscript_sfns_lock_field="custentity_hold"),
            custentity_hold=True,
        ),
        True,
    ),
    (
        "no watched list: every save",
        case("edit", params=params(custscript_sfns_watched_fields="")),
        True,
    ),
    (
        "SFNS links a customer",
        case("edit", externalid="001000000000002AAA", params=SFNS_KNOWN, **REST_BY_SFNS),
        False,
    ),
    ("SFNS creates a customer", case("create", params=SFNS_KNOWN, **REST_BY_SFNS), False),
    (
        "SFNS's write, the user not named",
        case("edit", externalid="001000000000002AAA", **REST_BY_SFNS),
        True,
    ),
    (
        "SFNS pushes the phone, the user not named",
        case("edit", phone="+1 555 0199", **REST_BY_SFNS),
        False,
    ),
    (
        "another integration's REST write",
        case("edit", context=REST_CONTEXT, user=12, params=SFNS_KNOWN, **{LOCK: True}),
        True,
    ),
    (
        "the integration user in the UI",
        case("edit", user=SFNS_USER, params=SFNS_KNOWN, **{LOCK: True}),
        True,
    ),
    ("a user creates a customer", case("create"), True),
    ("a user deletes a customer", case("delete"), True),
    ("a CSV import creates one", case("create", context="CSVIMPORT", params=SFNS_KNOWN), True),
]


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return dict(
        zip([name for name, *_ in CASES], run_script(*(c for _, c, _ in CASES)), strict=True)
    )


@pytest.mark.parametrize(("name", "save", "posts"), CASES, ids=[name for name, *_ in CASES])
def test_the_script_posts_what_sfns_reads_and_not_sfns_own_writes(results, name, save, posts):
    event = posted(results[name])

    assert (event is not None) == posts
    if event:
        assert event["event"] == {"create": "create", "delete": "delete"}.get(
            save["type"], "update"
        )
        assert event["id"] == "100"
        record = save["old"] if save["type"] == "delete" else save["new"]
        assert event["fields"]["companyName"] == record["companyname"]
        assert event["fields"].get(LOCK, False) == record[LOCK]


@pytest.mark.parametrize(("name", "save", "posts"), CASES, ids=[name for name, *_ in CASES])
def test_the_emulator_decides_every_case_as_the_script_does(name, save, posts):
    event = {"create": "create", "delete": "delete"}.get(save["type"], "update")

    reason = skip_reason(
        event=event,
        params=save["params"],
        context=save["context"],
        user=str(save["user"]),
        before=save["old"],
        after=save["new"] or save["old"],
    )

    assert (reason == "") == posts, reason


def test_a_mapped_field_is_sent_under_the_name_sfns_gave_it():
    deployment = params(custscript_sfns_mapped_fields="custentity_Region, creditLimit")
    (result,) = run_script(case("edit", params=deployment, custentity_region="APAC"))

    fields = posted(result)["fields"]
    assert fields["custentity_Region"] == "APAC"
    assert fields["creditLimit"] == 5000  # a financial keeps its REST name


def test_an_inline_edit_compares_only_the_edited_fields_and_sends_the_saved_record():
    # xedit: newRecord holds the edited fields only; a field it lacks is not a change
    phone_only, lock = run_script(
        case("xedit", new={"phone": "+1 555 0199"}),
        case("xedit", new={LOCK: True}),
    )

    assert posted(phone_only) is None
    assert phone_only["loaded"] == []
    event = posted(lock)
    assert lock["loaded"] == [{"type": "customer", "id": 100}]
    # the whole customer, as saved: SFNS must not read a missing field as "unlocked" or empty
    assert event["fields"][LOCK] is True
    assert event["fields"]["companyName"] == "Acme"
    assert event["fields"]["externalId"] == "001000000000001AAA"
    assert event["fields"]["balance"] == 1200.5


@pytest.mark.django_db
def test_what_the_script_posts_is_accepted_and_applied_by_sfns(client):
    Customer.objects.create(netsuite_id="100", company_name="Acme", locked=False)
    (result,) = run_script(case("xedit", new={LOCK: True}))
    (post,) = result["posts"]

    # what SFNS receives at the address prepare_deploy writes into the deployment
    response = client.post(
        urlsplit(post["url"]).path,
        data=post["body"],
        content_type=post["headers"]["Content-Type"],
        headers={k: v for k, v in post["headers"].items() if k.startswith("X-SFNS")},
    )

    assert response.status_code == 200, response.content
    assert response.json()["result"] == "applied"
    customer = Customer.objects.get(netsuite_id="100")
    assert customer.locked is True
    assert customer.salesforce_id == "001000000000001AAA"
