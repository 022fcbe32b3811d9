"""
The fault table (`make faults`): changes to linked Accounts pushed through the production
topology (benchmarks/topology.py: PostgreSQL, Redis, gunicorn, a celery worker and beat as the
Procfile says) while one fault happens in the middle of the run, each fault in turn, after a
baseline run with no fault:

1. Redis stopped and started again (nothing persisted: queued messages are gone);
2. PostgreSQL stopped (`pg_ctl -m fast`) and started again;
3. the worker SIGKILLed every few seconds (and started again, as a supervisor would);
4. NetSuite answering 503 to 20% of calls;
5. NetSuite's concurrency limit dropped to 2 (SFNS believes it has 5);
6. Salesforce answering REQUEST_LIMIT_EXCEEDED (the org's daily allocation spent);
7. every outbound message delivered twice and out of order.

A change is a user editing a mapped field (phone, and every other time the name) of a linked
Account in the Salesforce emulator, whose outbound message then reaches SFNS; the changes are
spread evenly over the run and the fault covers its middle third (a restart: its downtime,
from a third on; Salesforce's: from a third until after the last change, since SFNS writes its
statuses to Salesforce only when the changes pause). For each fault:

- lost: changes that never reached NetSuite and were not overtaken there by a newer change of
  the same Account (each change's number is in the phone it writes);
- duplicates: customers beyond one per Account (the same externalId or Salesforce ID field);
- divergent: customers whose mapped values (name, phone, website) differ from the Account's
  newest values in Salesforce at the end;
- drain: seconds from the fault's end until every customer holds at least the values Salesforce
  had when the fault ended (the backlog the fault built is gone); settle: seconds from the last
  change until every customer holds the newest values; statuses: seconds from the fault's end
  until Salesforce holds the NetSuite Sync status of every pushed Account.

Both runs keep SFNS's recovery settings as in production (README "Configuration"): a worker
renews its claims, and one it stopped renewing (killed) is given back SFNS_CLAIM_LEASE_SECONDS
(10) later by the sweep (every SFNS_SWEEP_SECONDS, 5); the sweep wakes a worker at once for due
jobs none is running (a wake-up the broker lost); a worker that finds the database gone gives
its claims back as soon as it returns. Those are what the drain times show. `--smoke` (CI) runs
60 changes a fault with short windows, faster retries of NetSuite's transient errors, and
checks the same three zeros and that the restarts and the kills drain within 30 seconds.
Writes bench/results/faults.json and prints the table. Run: `make faults`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import measure, report
from .fault_load import (
    ChangePusher,
    OutboundSender,
    judge,
    netsuite_versions,
    plan_changes,
)
from .topology import ROOT, Topology

RESULTS = ROOT / "bench" / "results"
# After the last change, a Salesforce fault lasts this long: the write-back's quiet second
# passes, and SFNS calls Salesforce.
QUIET_AFTER_CHANGES = 3.0


@dataclass(frozen=True)
class Size:
    changes: int  # per fault
    accounts: int  # linked Accounts per fault, each changed changes/accounts times
    seconds: float  # the changes are spread over this long
    restart_down: float  # seconds Redis or PostgreSQL stay down
    kill_every: float  # seconds between two SIGKILLs of the worker
    drain_timeout: float  # after the fault's end, give up waiting for NetSuite after this long
    # Also wait for the NetSuite Sync statuses to reach Salesforce (after a spent allocation
    # SFNS holds its calls for 5 minutes: sync/clients/salesforce.py's API_USAGE_RECHECK).
    wait_for_statuses: bool = True
    latency_ms: int = 100  # NetSuite's, as in the measurements
    concurrency_limit: int = 5
    env: dict[str, str] = field(default_factory=dict)


FULL = Size(
    changes=1000,
    accounts=200,
    seconds=60,
    restart_down=5,
    kill_every=4,
    drain_timeout=180,
)
SMOKE = Size(
    changes=60,
    accounts=20,
    seconds=4.5,
    restart_down=1,
    kill_every=1.5,
    drain_timeout=45,
    wait_for_statuses=False,
    latency_ms=20,
    env={
        # Recovery from a lost worker, broker or database as in production; only the backoff
        # of NetSuite's 503s is shorter, for the short run.
        "SFNS_RETRY_BASE_SECONDS": "0.2",
        "SFNS_RETRY_MAX_SECONDS": "2",
    },
)


# ============================================================================================
# The faults
class Supervisor:
    """
    Starts again any of SFNS's processes that exits, as a process manager does in production
    (systemd's Restart=always, a platform's dyno manager), and keeps count: an exit is a
    finding, shown in the table.
    """

    def __init__(self, top: Topology, every: float = 0.5) -> None:
        self.top = top
        self.lock = threading.Lock()  # held by whoever stops and starts a process on purpose
        self.exits: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(every,), daemon=True)
        self._thread.start()

    def _watch(self, every: float) -> None:
        while not self._stop.wait(every):
            with self.lock:
                for name, service in self.top.processes.items():
                    if service.proc is None or service.alive:
                        continue
                    said = service.output().decode(errors="replace").splitlines()
                    why = [line for line in said if "CRITICAL" in line or "Unrecoverable" in line]
                    self.exits.append(
                        {
                            "process": name,
                            "at": time.time(),
                            "exit_code": service.proc.returncode,
                            "last_words": (why or said or [""])[-1][:300],
                        }
                    )
                    service.start()

    def settle(self, timeout: float = 60) -> None:
        """Wait for a process that said it cannot go on (celery's "Unrecoverable error") to
        exit, be started again and be ready, so its exit counts for the fault that caused it."""
        deadline = time.monotonic() + timeout
        for name, service in self.top.processes.items():
            while time.monotonic() < deadline and b"Unrecoverable error" in service.output():
                time.sleep(0.2)
            if name != "web":
                self.top.wait_ready(name, timeout=max(1.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Run:
    """What a fault acts on."""

    top: Topology
    size: Size
    sender: OutboundSender
    supervisor: Supervisor
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    key: str
    title: str  # the table's words
    begin: Callable[[Run], None]
    end: Callable[[Run], None]
    tick: Callable[[Run], None] | None = None  # while it lasts, every size.kill_every
    restart: bool = False  # it lasts size.restart_down, not the middle third
    # It lasts from a third until after the last change: SFNS writes the NetSuite Sync statuses
    # to Salesforce only once the changes pause (sync/rules.py's WRITEBACK_QUIET), so a
    # Salesforce fault in the middle of a steady stream would meet no call.
    past_the_changes: bool = False


def _kill_worker(run: Run) -> None:
    worker = run.top.processes["worker"]
    with run.supervisor.lock:  # a kill on purpose, not an exit to count
        worker.kill()
        worker.start()  # at once, as the process manager would
    run.notes["kills"] = run.notes.get("kills", 0) + 1


def _worker_back(run: Run) -> None:
    run.top.wait_ready("worker")


def _netsuite(**faults: Any) -> Callable[[Run], None]:
    return lambda run: run.top.netsuite.faults(**faults)


def _salesforce_limit(spent: bool) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        limit = run.top.salesforce.state()["api_limit"]
        run.top.salesforce.faults(api_usage=limit if spent else 0)

    return act


def _scramble(on: bool) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        run.sender.scrambling = on

    return act


def _nothing(run: Run) -> None:
    pass


FAULTS = [
    # The same load with no fault: how far behind the changes NetSuite is anyway.
    Fault("none", "no fault (the baseline)", _nothing, _nothing),
    Fault(
        "redis_restart",
        "Redis restarted",
        lambda run: run.top.stop_redis(),
        lambda run: run.top.start_redis(),
        restart=True,
    ),
    Fault(
        "postgres_restart",
        "PostgreSQL restarted",
        lambda run: run.top.stop_postgres("fast"),
        lambda run: run.top.start_postgres(),
        restart=True,
    ),
    Fault(
        "worker_sigkill",
        "a worker SIGKILLed every few seconds",
        _kill_worker,
        _worker_back,
        tick=_kill_worker,
    ),
    Fault(
        "netsuite_503",
        "NetSuite answering 503 to 20% of calls",
        _netsuite(fail_rate=0.2),
        _netsuite(fail_rate=0.0),
    ),
    Fault(
        "netsuite_limit_2",
        "NetSuite's concurrency limit dropped to 2",
        _netsuite(concurrency_limit=2),
        lambda run: run.top.netsuite.faults(concurrency_limit=run.size.concurrency_limit),
    ),
    Fault(
        "salesforce_request_limit",
        "Salesforce answering REQUEST_LIMIT_EXCEEDED",
        _salesforce_limit(spent=True),
        _salesforce_limit(spent=False),
        past_the_changes=True,
    ),
    Fault(
        "outbound_twice_shuffled",
        "every outbound message delivered twice and out of order",
        _scramble(True),
        _scramble(False),
    ),
]


# ============================================================================================
# One fault
@dataclass
class FaultResult:
    fault: str
    title: str
    changes: int
    accounts: int
    lost: int
    duplicates: int
    divergent: int
    drain_seconds: float | None  # None: not drained within drain_timeout
    drain_timeout: float
    settle_seconds: float | None
    status_seconds: float | None  # from the fault's end until Salesforce has every status
    fault_seconds: float
    jobs: dict[str, int]  # this run's outbox rows by status, at the end
    failed_job_errors: list[str]
    deliveries: int  # outbound messages SFNS acknowledged
    refused_deliveries: int  # answers other than an Ack (Salesforce retries those)
    # Of those, the ones sent after the fault ended (a restarted server is up again), by status.
    refused_after_the_fault: dict[str, int]
    netsuite: dict[str, int]  # 429s and 503s NetSuite answered during the run
    salesforce: dict[str, int]  # 403s (REQUEST_LIMIT_EXCEEDED) Salesforce answered
    process_exits: list[dict[str, Any]]  # SFNS processes that exited (and were started again)
    notes: dict[str, Any]

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.divergent)


def _jobs(top: Topology, record_ids: list[str]) -> tuple[dict[str, int], list[str]]:
    with top.db():
        from django.db.models import Count

        from sync.models import JobStatus, SyncJob

        rows = SyncJob.objects.filter(record_id__in=record_ids)
        counts = {r["status"]: r["n"] for r in rows.values("status").annotate(n=Count("pk"))}
        errors = sorted(
            set(rows.filter(status=JobStatus.FAILED).values_list("last_error", flat=True))
        )
        return counts, [e[:300] for e in errors[:5]]


def _statuses_waiting(top: Topology, record_ids: list[str]) -> int:
    """This run's Accounts whose NetSuite Sync status has not reached Salesforce yet."""
    with top.db():
        from accounts.models import Account

        waiting = Account.objects.filter(status_pending_since__isnull=False)
        return waiting.filter(salesforce_id__in=record_ids).count()


def run_fault(
    top: Topology,
    fault: Fault,
    size: Size,
    *,
    supervisor: Supervisor,
    log: Callable[[str], None],
) -> FaultResult:
    accounts = top.seed_linked_accounts(size.accounts, prefix=f"Fault {fault.key}")
    linked = {a.salesforce_id: a.netsuite_id for a in accounts}
    plan = plan_changes(tag=fault.key, accounts=len(accounts), changes=size.changes)
    sender = OutboundSender(top.salesforce_webhook_url)
    pusher = ChangePusher(salesforce=top.salesforce, accounts=accounts, plan=plan, sender=sender)
    run = Run(top, size, sender, supervisor)
    exits_before = len(supervisor.exits)
    ns_before, sf_before = top.netsuite.stats(), top.salesforce.stats()
    third = size.seconds / 3

    started = time.time()
    load = threading.Thread(target=pusher.run, kwargs={"seconds": size.seconds}, daemon=True)
    load.start()
    time.sleep(max(0.0, started + third - time.time()))
    fault_started = time.time()
    log(f"  {fault.title}: from change {pusher.sent}")
    fault.begin(run)
    if fault.restart:
        time.sleep(size.restart_down)
    elif fault.past_the_changes:
        load.join()
        time.sleep(QUIET_AFTER_CHANGES)
    else:
        while time.time() < started + 2 * third:
            time.sleep(min(size.kill_every, max(0.0, started + 2 * third - time.time())))
            if fault.tick and time.time() < started + 2 * third:
                fault.tick(run)
    fault.end(run)
    fault_ended = time.time()
    at_end = pusher.snapshot()  # what Salesforce held when the fault ended
    log(f"  ... over at change {pusher.sent} ({fault_ended - fault_started:.1f} s)")

    ns_ids = list(linked.values())
    drained_at = settled_at = statuses_at = None
    deadline = fault_ended + size.drain_timeout
    while time.time() < deadline:
        now = time.time()
        held = netsuite_versions(top.customers(ns_ids), linked)
        if drained_at is None and all(held[s] >= v for s, v in at_end.items()):
            drained_at = now
        if settled_at is None and not load.is_alive() and sender.idle():
            newest = pusher.snapshot()
            if all(held[s] >= newest.get(s, 0) for s in linked):
                verdict = judge(
                    netsuite_state=top.netsuite.state(),
                    salesforce_state=top.salesforce.state(),
                    linked=linked,
                    newest=newest,
                )
                if verdict.clean:
                    settled_at = now
        # Then the NetSuite Sync statuses those pushes left to write to Salesforce.
        if settled_at is not None and not size.wait_for_statuses:
            break
        if settled_at is not None and not _statuses_waiting(top, list(linked)):
            statuses_at = now
            break
        time.sleep(0.25)
    load.join()
    verdict = judge(
        netsuite_state=top.netsuite.state(),
        salesforce_state=top.salesforce.state(),
        linked=linked,
        newest=pusher.snapshot(),
    )
    sender.close()
    supervisor.settle()
    jobs, errors = _jobs(top, list(linked))
    ns_after, sf_after = top.netsuite.stats(), top.salesforce.stats()
    if verdict.behind:
        run.notes["behind"] = dict(list(verdict.behind.items())[:10])
    return FaultResult(
        fault=fault.key,
        title=fault.title,
        changes=len(plan),
        accounts=len(accounts),
        lost=verdict.lost,
        duplicates=verdict.duplicates,
        divergent=verdict.divergent,
        drain_seconds=round(drained_at - fault_ended, 1) if drained_at else None,
        drain_timeout=size.drain_timeout,
        settle_seconds=(
            round(max(0.0, settled_at - pusher.last_change_at), 1) if settled_at else None
        ),
        status_seconds=round(statuses_at - fault_ended, 1) if statuses_at else None,
        fault_seconds=round(fault_ended - fault_started, 1),
        jobs=jobs,
        failed_job_errors=errors,
        deliveries=sender.deliveries,
        refused_deliveries=sender.refusals,
        refused_after_the_fault=dict(
            Counter(
                str(status) if status else "no answer"
                for sent_at, status in sender.refused
                if sent_at > fault_ended
            )
        ),
        netsuite={
            "rejected_429": ns_after["rejected_429"] - ns_before["rejected_429"],
            "failed_503": ns_after["failed_503"] - ns_before["failed_503"],
        },
        salesforce={"rejected_403": sf_after["rejected_403"] - sf_before["rejected_403"]},
        process_exits=[
            {**e, "at": round(e["at"] - fault_started, 1)} for e in supervisor.exits[exits_before:]
        ],
        notes=run.notes,
    )


# ============================================================================================
# The run
def run_all(
    size: Size, only: list[str] | None, *, smoke: bool, keep: bool, log: Callable[[str], None]
) -> dict:
    """Each fault in turn on one topology; the results as faults.json holds them."""
    faults = [f for f in FAULTS if not only or f.key in only]
    results = []
    with Topology(
        latency_ms=size.latency_ms,
        concurrency_limit=size.concurrency_limit,
        env_overrides=size.env,
        salesforce_notify=False,  # the outbound messages are the load's (fault_load.py)
        keep=keep,
    ) as top:
        log(f"topology up: {top.work_dir}")
        supervisor = Supervisor(top)
        try:
            for fault in faults:
                log(f"{fault.key}:")
                result = run_fault(top, fault, size, supervisor=supervisor, log=log)
                log(
                    f"  lost {result.lost}, duplicates {result.duplicates}, divergent "
                    f"{result.divergent}, drain {result.drain_seconds} s, exits "
                    f"{[e['process'] for e in result.process_exits]}"
                )
                results.append(asdict(result))
        finally:
            supervisor.close()
        setup = measure.setup(top, smoke=smoke)
    setup["broker"] = "Redis (private server, nothing persisted: a restart loses its queue)"
    setup["size"] = asdict(size)
    return {"setup": setup, "faults": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the small run CI makes")
    parser.add_argument("--only", nargs="*", choices=[f.key for f in FAULTS], help="these faults")
    parser.add_argument(
        "--out", type=Path, help="directory for faults.json (default: bench/results; smoke: none)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the topology's logs")
    args = parser.parse_args(argv)
    size = SMOKE if args.smoke else FULL

    began = time.monotonic()

    def log(line: str) -> None:
        print(f"[{time.monotonic() - began:6.1f}s] {line}", file=sys.stderr, flush=True)

    data = run_all(size, args.only, smoke=args.smoke, keep=args.keep, log=log)
    out = args.out or (None if args.smoke else RESULTS)
    if out:
        log(f"wrote {measure.write_result(out, 'faults.json', data)}")
    print(report.fault_table(data["faults"]))
    clean = all(not (r["lost"] or r["duplicates"] or r["divergent"]) for r in data["faults"])
    return 0 if clean else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # tear the topology down
    sys.exit(main())
