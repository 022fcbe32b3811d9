"""
Figure B6 (issue 11): what bringing financials back on their own costs in Salesforce calls, on
the production topology of benchmarks/topology.py (gunicorn, worker and beat from the Procfile,
PostgreSQL, Redis).

A burst: NetSuite changes the balance of many linked customers at once (a billing run), each
change made in the emulated NetSuite's "UI", whose SuiteScript posts it to SFNS's NetSuite
webhook as the deployed script would. With *bring financials back on their own* on (the
default) SFNS puts the values on the Accounts and its write-back takes them to Salesforce.

Figure: Salesforce data API calls from the first change until every Salesforce Account shows
its new balance, per 200 changed Accounts (target <= 1: one sObject Collections call per 200),
after a few changes made first so that the once-a-day edition check and the logins are not
counted.
Also the seconds that took, and NetSuite calls meanwhile (none needed: the webhook carries the
values). Writes b6_financials.json (bench/results/ or --out). Run: `make bench`, or
`python -m benchmarks.financials [--smoke] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .measure import (
    RESULTS,
    delta,
    netsuite_calls,
    rounded,
    salesforce_calls,
    setup,
    write_result,
)
from .topology import LinkedAccount, Topology

PER_CALL = 200  # Accounts one sObject Collections call takes
WARM_UP = 10


def new_balance(i: int) -> float:
    return 1000 + i + 0.25


def _change_balances(top: Topology, accounts: list[LinkedAccount], threads: int) -> float:
    """Each customer's balance changed in NetSuite, `threads` at a time; seconds it took."""
    started = time.monotonic()

    def change(i: int) -> None:
        fields = {"balance": new_balance(i)}
        top.netsuite.edit(type="customer", id=accounts[i].netsuite_id, fields=fields)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(change, range(len(accounts))))
    return time.monotonic() - started


def _salesforce_holds(top: Topology, accounts: list[LinkedAccount]) -> int:
    records = top.salesforce.state()["records"]["Account"]
    return sum(
        records.get(a.salesforce_id, {}).get("NetSuite_Balance__c") == new_balance(i)
        for i, a in enumerate(accounts)
    )


def _wait_for_salesforce(
    top: Topology, accounts: list[LinkedAccount], timeout: float
) -> tuple[int, float | None]:
    """How many Accounts Salesforce shows with their new balance, and when all did (None: not
    within timeout), in seconds from now."""
    started = time.monotonic()
    while True:
        holding = _salesforce_holds(top, accounts)
        elapsed = time.monotonic() - started
        if holding == len(accounts):
            return holding, elapsed
        if elapsed > timeout:
            return holding, None
        time.sleep(0.25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds, for CI")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--accounts", type=int, help="customers whose balance changes (1000)")
    parser.add_argument("--threads", type=int, default=8, help="changes made at once")
    args = parser.parse_args(argv)
    count = args.accounts or (40 if args.smoke else 1000)

    with Topology() as top:
        warm = top.seed_linked_accounts(WARM_UP, prefix="B6 warm-up")
        accounts = top.seed_linked_accounts(count, prefix="B6")
        # A few first: the once-a-day edition check and the logins are not the burst's.
        _change_balances(top, warm, args.threads)
        _wait_for_salesforce(top, warm, timeout=60)
        top.wait_settled(timeout=300)
        sf_before, ns_before = top.salesforce.stats(), top.netsuite.stats()
        started = time.monotonic()
        changing = _change_balances(top, accounts, args.threads)
        holding, waited = _wait_for_salesforce(top, accounts, timeout=60 if args.smoke else 300)
        seconds = time.monotonic() - started if waited is not None else None
        top.wait_settled(timeout=120)  # anything else it would still send is counted too
        sf, ns = top.salesforce.stats(), top.netsuite.stats()
        info = setup(top, smoke=args.smoke)

    calls = salesforce_calls(sf) - salesforce_calls(sf_before)
    per_batch = calls / (count / PER_CALL)
    by_endpoint = delta(sf["calls"], sf_before["calls"])
    result = {
        "figure": "B6",
        "setup": info,
        "targets": {"salesforce_calls_per_200_accounts": "<= 1"},
        "accounts_changed": count,
        "seconds_changing_them_in_netsuite": rounded(changing, 2),
        "accounts_showing_new_balance_in_salesforce": holding,
        "seconds_until_salesforce_shows_all": rounded(seconds, 2) if seconds else None,
        "salesforce_calls": calls,
        "salesforce_calls_by_endpoint": by_endpoint,
        "salesforce_calls_per_200_accounts": rounded(per_batch),
        "netsuite_calls": netsuite_calls(ns) - netsuite_calls(ns_before),
    }
    write_result(args.out, "b6_financials.json", result)
    print(
        f"B6 {count} customers' financials changed in NetSuite: {holding} Accounts show them in "
        f"Salesforce after {result['seconds_until_salesforce_shows_all']} s, with {calls} "
        f"Salesforce calls: {per_batch:.3f} per 200 Accounts (target <= 1); "
        f"{result['netsuite_calls']} NetSuite calls"
    )
    if holding != count:
        raise SystemExit(f"only {holding} of {count} Accounts show their new balance")


if __name__ == "__main__":
    main(sys.argv[1:])
