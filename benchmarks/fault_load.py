"""
The load and the judge of `make faults`: linked Accounts changed in the Salesforce emulator on a
schedule, their outbound messages delivered to SFNS (or scrambled: each twice, out of order),
and a judge comparing NetSuite's customers with Salesforce's newest values.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from emulators.salesforce.package import load_outbound_fields

from .topology import LinkedAccount, outbound_message

ACK_RE = re.compile(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>")
# The phone carries the change's number for its Account: "+1 415 <account> <version>".
PHONE_RE = re.compile(r"^\+1 415 (\d{4}) (\d{4})$")
SALESFORCE_ID_FIELD = "custentity_sfns_salesforce_id"
# What the package's outbound message carries for an Account (deploy/salesforce).
OUTBOUND_FIELDS = frozenset(load_outbound_fields()["Account"])


def phone(account: int, version: int) -> str:
    return f"+1 415 {account:04d} {version:04d}"


def company_name(tag: str, account: int, version: int) -> str:
    return f"Fault {tag} {account:04d} v{version}"


# ============================================================================================
# The changes
@dataclass
class Change:
    account: int  # index into the run's Accounts
    version: int  # 1, 2, ... for that Account
    fields: dict[str, str]


def plan_changes(*, tag: str, accounts: int, changes: int) -> list[Change]:
    """
    `changes` edits of mapped fields, in pairs: each Account is changed twice in a row, so two
    versions of one record travel close together (and a scramble can swap them). The phone
    always changes, the name every other time.
    """
    versions: Counter[int] = Counter()
    plan = []
    for n in range(changes):
        account = (n // 2) % accounts
        versions[account] += 1
        version = versions[account]
        values = {"Phone": phone(account, version)}
        if version % 2:
            values["Name"] = company_name(tag, account, version)
        plan.append(Change(account, version, values))
    return plan


class ChangePusher:
    """
    Makes the planned changes at a steady rate, as a Salesforce user would: the Account changes
    in the Salesforce emulator (/__emulator__/edit; the newest values live there), and the
    outbound message Salesforce sends for it goes to the sender, carrying the Account's values
    and a LastModifiedDate later than any before.
    """

    def __init__(
        self,
        *,
        salesforce: Any,
        accounts: list[LinkedAccount],
        plan: list[Change],
        sender: OutboundSender,
    ) -> None:
        self.salesforce = salesforce  # the topology's EmulatorControl
        self.accounts = accounts
        self.plan = plan
        self.sender = sender
        self.current = [dict(account.after) for account in accounts]
        self.sent = 0
        self.newest: dict[str, int] = {}  # Salesforce id -> number of its newest change made
        self.last_change_at = 0.0
        self._lock = threading.Lock()
        self._last_ms = 0

    def _stamp(self) -> str:
        now_ms = max(int(time.time() * 1000), self._last_ms + 1)
        self._last_ms = now_ms
        moment = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now_ms % 1000:03d}Z"

    def run(self, *, seconds: float) -> None:
        started = time.monotonic()
        interval = seconds / max(len(self.plan), 1)
        for n, change in enumerate(self.plan):
            pause = started + n * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            account = self.accounts[change.account]
            self.salesforce.edit(type="Account", id=account.salesforce_id, fields=change.fields)
            record = self.current[change.account]
            record.update(change.fields, LastModifiedDate=self._stamp())
            fields = {k: v for k, v in record.items() if k in OUTBOUND_FIELDS}
            self.sender.send(outbound_message([fields]), stamp=record["LastModifiedDate"])
            with self._lock:
                self.sent = n + 1
                self.newest[account.salesforce_id] = change.version
                self.last_change_at = time.time()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.newest)


# ============================================================================================
# Salesforce's outbound messages
@dataclass
class _Message:
    body: bytes
    stamp: str  # the Account's LastModifiedDate in it: what makes one version newer


class OutboundSender:
    """
    Delivers outbound messages to SFNS as Salesforce does: from several threads (Salesforce
    promises no order), each retried with backoff until SFNS acknowledges it.

    Scrambling, every message is delivered twice and out of order: every `batch_seconds` what
    was sent meanwhile goes out newest first (an older version of an Account after a newer one),
    then the same messages again, shuffled.
    """

    def __init__(
        self, url: str, *, threads: int = 4, batch_seconds: float = 0.3, max_delay: float = 5.0
    ) -> None:
        self.url = url
        self.batch_seconds = batch_seconds
        self.max_delay = max_delay
        self.scrambling = False
        self.deliveries = 0  # acknowledged deliveries
        self.refusals = 0  # answers other than an Ack (retried)
        # Each refusal: when its request was sent, and the HTTP status (None: no answer).
        self.refused: list[tuple[float, int | None]] = []
        self._held: list[_Message] = []
        self._outstanding = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="outbound")
        self._scrambler = threading.Thread(target=self._scramble_loop, daemon=True)
        self._scrambler.start()

    def send(self, body: bytes, *, stamp: str) -> None:
        message = _Message(body, stamp)
        with self._lock:
            if self.scrambling:
                self._held.append(message)
                return
            self._outstanding += 1
        self._pool.submit(self._deliver, message)

    def _scramble_loop(self) -> None:
        while not self._stop.wait(self.batch_seconds):
            with self._lock:
                batch, self._held = self._held, []
                self._outstanding += 2 * len(batch)
            newest_first = sorted(batch, key=lambda message: message.stamp, reverse=True)
            for message in newest_first + random.sample(batch, len(batch)):
                self._pool.submit(self._deliver, message)

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def _deliver(self, message: _Message) -> None:
        delay = 0.2
        try:
            while not self._stop.is_set():
                sent_at, status = time.time(), None
                try:
                    response = self._session().post(
                        self.url,
                        data=message.body,
                        headers={
                            "Content-Type": "text/xml; charset=utf-8",
                            "SOAPAction": "notifications",
                        },
                        timeout=60,
                    )
                    status = response.status_code
                    if response.status_code == 200 and ACK_RE.search(response.content):
                        with self._lock:
                            self.deliveries += 1
                        return
                except requests.RequestException:
                    pass
                with self._lock:
                    self.refusals += 1
                    self.refused.append((sent_at, status))
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_delay)
        finally:
            with self._lock:
                self._outstanding -= 1

    def idle(self) -> bool:
        """Everything sent so far is acknowledged (nothing held, nothing on its way)."""
        with self._lock:
            return not self._held and self._outstanding == 0

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


# ============================================================================================
# The judge
@dataclass
class Verdict:
    lost: int  # changes neither in NetSuite nor overtaken there by a newer change of the record
    duplicates: int  # customers beyond one per Account (same externalId or Salesforce ID field)
    divergent: int  # customers whose mapped values differ from the Account's newest in Salesforce
    behind: dict[str, int] = field(default_factory=dict)  # Account id -> versions missing

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.divergent)


def netsuite_versions(customers: dict[str, dict], linked: dict[str, str]) -> dict[str, int]:
    """Salesforce id -> the change number NetSuite's customer holds (0: the seeded phone)."""
    held = {}
    for salesforce_id, netsuite_id in linked.items():
        match = PHONE_RE.match(str((customers.get(netsuite_id) or {}).get("phone") or ""))
        held[salesforce_id] = int(match[2]) if match else 0
    return held


def judge(
    *,
    netsuite_state: dict[str, Any],
    salesforce_state: dict[str, Any],
    linked: dict[str, str],
    newest: dict[str, int],
) -> Verdict:
    """
    linked: Salesforce id -> NetSuite id of this run's Accounts; newest: Salesforce id -> the
    number of its newest change.
    """
    customers = netsuite_state["records"]["customer"]
    accounts = salesforce_state["records"]["Account"]
    held = netsuite_versions(customers, linked)
    behind = {
        sf_id: newest[sf_id] - held[sf_id] for sf_id in linked if held[sf_id] < newest.get(sf_id, 0)
    }
    holders: Counter[str] = Counter()
    for customer in customers.values():
        keys = {customer.get("externalId"), customer.get(SALESFORCE_ID_FIELD)}
        for key in keys & linked.keys():
            holders[key] += 1
    divergent = 0
    for sf_id, netsuite_id in linked.items():
        account, customer = accounts[sf_id], customers.get(netsuite_id) or {}
        wanted = {
            "companyName": (account.get("Name") or "")[:83],
            "phone": account.get("Phone") or "",
            "url": account.get("Website") or "",
        }
        if any(str(customer.get(k) or "") != v for k, v in wanted.items()):
            divergent += 1
    return Verdict(
        lost=sum(behind.values()),
        duplicates=sum(count - 1 for count in holders.values() if count > 1),
        divergent=divergent,
        behind=behind,
    )
