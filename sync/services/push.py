"""
Push: an Account's current mapped values to its linked NetSuite customer, after the checks the
sync rules name (Create Only, the link, no change, the lock). Saving an Account queues one.
"""

from __future__ import annotations

from accounts.models import Account, Customer
from integration_log.models import Direction, LogEntry, Operation, Outcome
from integration_log.services import record_many
from settings.models import IntegrationSettings
from sfns.bulk import bulk_update

from .. import address_book, rules
from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from ..errors import SyncRefused
from ..mapping import diff
from ..models import JobKind, MappingDirection, SyncJob
from ..outbox import jobs_enqueue
from ..selectors import (
    account_mapped_hash,
    account_outbound_payload,
    account_payload_as_pushed,
    mapping_rules,
)
from .address_lines import customer_lines, customer_write
from .attempts import Attempt, accounts_record_success
from .parents import Parents


def account_saved(*, account: Account) -> None:
    """An Account was saved (from the API, the admin...): see accounts_saved."""
    accounts_saved(accounts=[account])


def accounts_saved(*, accounts: list[Account]) -> None:
    """
    Accounts were saved (from a webhook, the API, the admin...). Only a change to what they map
    to in NetSuite matters: skips that need no NetSuite call are logged now, anything else
    becomes a push job. A few queries however many Accounts.
    """
    changed = accounts_map(accounts)
    if changed:
        bulk_update(changed, ["mapped_hash"])
        accounts_queue_pushes(accounts=changed)


def accounts_map(accounts: list[Account]) -> list[Account]:
    """
    Set each Account's mapped_hash (in memory) from its outbound mapping; returns the Accounts
    whose mapped values changed.
    """
    outbound = mapping_rules(MappingDirection.TO_NETSUITE)
    changed: list[Account] = []
    for account in accounts:
        try:
            mapped_hash = account_mapped_hash(account, account_outbound_payload(account, outbound))
        except SyncRefused:
            # A broken mapping must not break saving an Account: the push job fails with the
            # mapping's error in the log, where an admin sees it.
            mapped_hash = ""
        if mapped_hash and mapped_hash == account.mapped_hash:
            continue
        account.mapped_hash = mapped_hash
        changed.append(account)
    return changed


def accounts_queue_pushes(*, accounts: list[Account]) -> None:
    """Push jobs for Accounts whose mapped values changed, or the skips the rules give."""
    conf = IntegrationSettings.load()
    to_push = []
    for account in accounts:
        decision = rules.precheck_push(
            create_only=conf.create_only, linked=account.is_linked, unchanged=False
        )
        if decision.push:
            to_push.append(account.salesforce_id)
        else:
            Attempt(
                Operation.ACCOUNT_PUSH,
                Direction.TO_NETSUITE,
                salesforce_id=account.salesforce_id,
                netsuite_id=account.netsuite_id,
            ).log(Outcome.SKIPPED, decision.reason)
    if to_push:
        jobs_enqueue(kind=JobKind.ACCOUNT_PUSH, record_ids=to_push)


class PushBatch:
    """
    Pushes run together (the push jobs one worker claimed at once, or a single push): the
    settings, the mapping and the mirrors' locks are read once, and what the pushes write (log
    entries, the Accounts' pushed values and sync status, the mirrors' lock) is saved in a few
    statements by save(). During a burst that is most of a push's database work.
    """

    def __init__(self, *, accounts: list[Account]) -> None:
        self.conf = IntegrationSettings.load()
        self.outbound = mapping_rules(MappingDirection.TO_NETSUITE)
        self.accounts = {account.salesforce_id: account for account in accounts}
        self.client = NetSuiteClient()
        # The lock as the NetSuite webhook last told it, when it is not read before each push.
        self.locked_mirrors = (
            set()
            if self.conf.check_lock_before_push
            else set(
                Customer.objects.filter(
                    netsuite_id__in=[a.netsuite_id for a in accounts if a.netsuite_id],
                    locked=True,
                ).values_list("netsuite_id", flat=True)
            )
        )
        self.parents = Parents(accounts)
        self.entries: list[LogEntry] = []
        self.pushed: list[Account] = []
        self.locks_read: dict[str, bool] = {}

    @classmethod
    def for_records(cls, record_ids: list[str]) -> PushBatch:
        return cls(accounts=list(Account.objects.filter(salesforce_id__in=record_ids)))

    def push(self, *, account: Account, job: SyncJob | None = None, force: bool = False) -> str:
        """Push the Account's current mapped state to its customer, if the rules allow."""
        attempt = Attempt(
            Operation.ACCOUNT_PUSH,
            Direction.TO_NETSUITE,
            job=job,
            salesforce_id=account.salesforce_id,
            netsuite_id=account.netsuite_id,
        )
        try:
            payload = self.parents.payload(
                account, account_payload_as_pushed(account, self.outbound)
            )
        except SyncRefused as exc:
            attempt.error(exc, account=account)
            raise
        decision = rules.precheck_push(
            create_only=self.conf.create_only,
            linked=account.is_linked,
            unchanged=payload == account.pushed_payload,
            force=force,
        )
        if decision.push:
            try:
                with self.client.one_slot():
                    locked, lines = self._read(account, payload)
                    decision = rules.lock_check(locked=locked)
                    if decision.push:
                        payload = customer_write(
                            client=self.client,
                            netsuite_id=account.netsuite_id,
                            payload=payload,
                            pushed=account.pushed_payload,
                            current=lines,
                        )
            except ClientError as exc:
                attempt.error(exc, client=self.client, account=account)
                raise
        if not decision.push:
            self.entries.append(attempt.entry(Outcome.SKIPPED, decision.reason, request=payload))
            return Outcome.SKIPPED
        self.entries.append(
            attempt.entry(
                Outcome.SUCCESS,
                client=self.client,
                diff=diff(account.pushed_payload or {}, payload),
            )
        )
        account.pushed_payload = payload
        self.pushed.append(account)
        return Outcome.SUCCESS

    def _read(self, account: Account, payload: dict) -> tuple[bool, list | None]:
        """
        The lock as NetSuite has it now, or as the NetSuite webhook last told us; and, when
        SFNS's address lines changed, the customer's address book (in the same GET when the
        lock is read): a line a NetSuite user deleted is then sent anew, not by its old id.
        """
        netsuite_id = account.netsuite_id
        with_lines = address_book.lines(payload) != address_book.lines(account.pushed_payload)
        if not self.conf.check_lock_before_push:
            current = (
                customer_lines(client=self.client, netsuite_id=netsuite_id) if with_lines else None
            )
            return netsuite_id in self.locked_mirrors, current
        locked, lines = customer_read(
            client=self.client, conf=self.conf, netsuite_id=netsuite_id, with_lines=with_lines
        )
        self.locks_read[netsuite_id] = locked
        return locked, lines

    def save(self) -> None:
        """Write what the pushes so far did, and start over."""
        record_many(self.entries)
        for value in (True, False):
            read = [netsuite_id for netsuite_id, lock in self.locks_read.items() if lock is value]
            if read:
                Customer.objects.filter(netsuite_id__in=read).exclude(locked=value).update(
                    locked=value
                )
        if self.pushed:
            bulk_update(self.pushed, ["pushed_payload"])
            accounts_record_success(pks=[account.pk for account in self.pushed])
        self.entries, self.pushed, self.locks_read = [], [], {}


def customer_read(
    *, client: NetSuiteClient, conf: IntegrationSettings, netsuite_id: str, with_lines: bool
) -> tuple[bool, list | None]:
    """The customer's Salesforce Lock Record as NetSuite has it now (one GET), and with_lines,
    its address book lines read in the same GET."""
    lock_field = conf.netsuite_lock_field
    fields = [lock_field, address_book.SUBLIST] if with_lines else [lock_field]
    record = client.get("customer", netsuite_id, fields=fields, expand=with_lines)
    return bool(record.get(lock_field)), address_book.lines(record) if with_lines else None


def account_push_to_netsuite(
    *, account: Account, job: SyncJob | None = None, force: bool = False
) -> str:
    """Push the Account's current mapped state to its NetSuite customer, if the rules allow."""
    batch = PushBatch(accounts=[account])
    try:
        return batch.push(account=account, job=job, force=force)
    finally:
        batch.save()
