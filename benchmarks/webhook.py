"""
Figure B3 (issue 10): Salesforce outbound-message notifications a second through SFNS's real
endpoint, divided by what a bare receiver takes in the same run, on the production topology of
benchmarks/topology.py (gunicorn, worker and beat from the Procfile, PostgreSQL, Redis).

- SFNS: messages of 100 notifications, as Salesforce batches them, each notification new: its
  own notification id and a linked Account's new values (Salesforce holds them already), so
  SFNS does all its work (the mirror, the outbox job) and no dedupe makes it cheap. The worker
  runs meanwhile, applies the notifications and pushes the jobs, as it would in production:
  the machine is shared.
- The bare receiver (benchmarks/bare_receiver.py): the Procfile's web line with sfns.wsgi
  replaced by it, so the same gunicorn and worker count; it parses the same kind of messages
  with defusedxml and stores each notification with one batched INSERT a message into the same
  PostgreSQL before answering the Ack.

Both get their messages from the same number of concurrent clients as fast as they answer
(for at most a minute each: messages not started by then are not sent, nor counted), after a
few warm-up messages; the bare receiver first, while nothing else runs. Figure: SFNS's
notifications a second / the bare receiver's (target >= 0.5). Also the web processes' CPU per
notification of each, and the CPU of PostgreSQL and the emulators meanwhile. Writes
b3_webhook.json (bench/results/ or --out). Run: `make bench`, or
`python -m benchmarks.webhook [--smoke] [--out DIR]`.

Where the time went (profiled at 29f3ebf with cProfile in one web process and py-spy --gil on
the worker; ratio 0.21 to 0.45 then):
- The endpoint: 21.8 ms of CPU a message, of which bulk_create's row compilation and psycopg
  quoting every element of its UNNEST arrays with a regular expression was over a third. The
  rows now travel as one jsonb document (sfns.bulk): 9 ms, as much per notification as the
  bare receiver (defusedxml's pure-Python parsing is then most of both).
- With the worker stopped the endpoint reached 0.9 of the bare receiver, so the rest was the
  worker applying the burst at the same time: 0.56 ms of CPU a notification, half of it the
  same bulk writes, then loading whole Account rows and the mapping's path parsing. Now
  0.25 ms; and Linux gave the worker's session as much CPU as the web's whatever it asked.
  The worker now lowers its own priority (SFNS_WORKER_NICE, README "Running in production"),
  its session's included: 0.64 to 0.80.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from . import bare_receiver
from .measure import RESULTS, rounded, send_concurrently, setup, write_result
from .topology import (
    LinkedAccount,
    Service,
    Topology,
    batches,
    free_port,
    outbound_message,
    procfile,
)

BARE_APP = "benchmarks.bare_receiver:application"


def _measure(
    top: Topology,
    url: str,
    bodies: list[bytes],
    clients: int,
    web: Service,
    max_seconds: float,
) -> dict[str, Any]:
    """POST the messages to url from `clients` threads (those that start within max_seconds);
    notifications a second and CPU."""
    cpu_before, web_before = top.cpu_seconds(), web.cpu_seconds()
    others_before = top.infrastructure_cpu_seconds()
    started_at = time.time()
    started = send_concurrently(top, bodies, clients, url=url, seconds=max_seconds)
    seconds = time.time() - started_at
    cpu, web_cpu = top.cpu_seconds() - cpu_before, web.cpu_seconds() - web_before
    others = top.infrastructure_cpu_seconds() - others_before
    sent = [body for body, start in zip(bodies, started, strict=True) if start]
    notifications = sum(body.count(b"<Notification>") for body in sent)
    return {
        "messages": len(sent),
        "messages_not_sent_in_time": len(bodies) - len(sent),
        "notifications": notifications,
        "clients": clients,
        "seconds": rounded(seconds),
        "notifications_per_second": rounded(notifications / seconds, 1),
        "messages_per_second": rounded(len(bodies) / seconds, 2),
        "message_start_spread_seconds": rounded(max(started) - min(s for s in started if s)),
        "web_cpu_seconds": rounded(web_cpu),
        "web_cpu_ms_per_notification": rounded(web_cpu / notifications * 1000, 4),
        "sfns_cpu_seconds_by_process": cpu.by_process,
        "other_cpu_seconds_by_process": others.by_process,
    }


def _mirrors_hold(
    top: Topology, accounts: list[LinkedAccount], timeout: float
) -> tuple[int, float | None]:
    """How many of the Accounts SFNS's mirror shows with their new values, waiting up to
    timeout for it to apply what it acknowledged; and the seconds it took (None: not all)."""
    started = time.monotonic()
    while True:
        with top.db():
            from accounts.models import Account

            phones = dict(Account.objects.values_list("salesforce_id", "fields__Phone"))
        holding = sum(phones.get(a.salesforce_id) == a.after["Phone"] for a in accounts)
        elapsed = time.monotonic() - started
        if holding == len(accounts):
            return holding, rounded(elapsed, 2)
        if elapsed > timeout:
            return holding, None
        time.sleep(0.5)


def new_phone(i: int) -> dict[str, str]:
    return {"Phone": f"+1 212 {i // 10000:03d} {i % 10000:04d}"}


def _messages(accounts: list[LinkedAccount]) -> list[bytes]:
    return [outbound_message([a.notification() for a in chunk]) for chunk in batches(accounts, 100)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds, for CI")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--messages", type=int, help="messages of 100 to SFNS (50)")
    parser.add_argument("--bare-messages", type=int, help="messages of 100 to the bare one (200)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent senders")
    parser.add_argument(
        "--max-seconds", type=float, default=60, help="no message starts later (each side)"
    )
    args = parser.parse_args(argv)
    sfns_messages = args.messages or (3 if args.smoke else 50)
    bare_messages = args.bare_messages or (10 if args.smoke else 200)
    warm_messages = 3  # one for each gunicorn worker, more or less

    web_line = procfile()["web"]
    if "sfns.wsgi" not in web_line:
        raise SystemExit(f"the Procfile's web line does not serve sfns.wsgi: {web_line}")
    bare_line = web_line.replace("sfns.wsgi", BARE_APP, 1)

    with Topology() as top:
        with psycopg.connect(top.database_url, autocommit=True) as conn:
            conn.execute(bare_receiver.CREATE_TABLE)
        bare_port = free_port()
        bare = top.start_service("bare", bare_line, port=bare_port)
        bare_url = f"http://127.0.0.1:{bare_port}/"
        top.wait_http(bare_url, bare)

        # Every notification new: SFNS's are linked Accounts' new values; the bare receiver's
        # have new ids (it stores whatever they say).
        accounts = top.seed_linked_accounts(sfns_messages * 100, prefix="B3", changed=new_phone)
        # Small warm-up messages: their jobs are done before SFNS is measured.
        warm = top.seed_linked_accounts(warm_messages * 10, prefix="B3 warm-up", changed=new_phone)
        sfns_bodies = _messages(accounts)
        shape = [a.notification() for a in accounts[:100]]
        bare_bodies = [outbound_message(shape) for _ in range(bare_messages + warm_messages)]

        send_concurrently(top, bare_bodies[:warm_messages], warm_messages, url=bare_url)
        bare_result = _measure(
            top, bare_url, bare_bodies[warm_messages:], args.clients, bare, args.max_seconds
        )
        with psycopg.connect(top.database_url) as conn:
            stored = conn.execute(f"SELECT count(*) FROM {bare_receiver.TABLE}").fetchone()[0]  # noqa: S608

        warm_bodies = [
            outbound_message([a.notification() for a in chunk]) for chunk in batches(warm, 10)
        ]
        send_concurrently(top, warm_bodies, warm_messages)
        top.wait_settled(timeout=300)
        sfns_result = _measure(
            top,
            top.salesforce_webhook_url,
            sfns_bodies,
            args.clients,
            top.processes["web"],
            args.max_seconds,
        )
        outbox = top.job_counts()  # right after: the worker is still pushing
        sent = accounts[: sfns_result["notifications"]]  # messages go in order, 100 accounts each
        received, applied_after = _mirrors_hold(top, sent, timeout=30 if args.smoke else 120)
        info = setup(top, smoke=args.smoke)
        info["bare_receiver_command"] = bare_line

    ratio = sfns_result["notifications_per_second"] / bare_result["notifications_per_second"]
    result = {
        "figure": "B3",
        "setup": info,
        "targets": {"ratio": ">= 0.5"},
        "ratio": rounded(ratio),
        "sfns": {
            **sfns_result,
            "accounts_holding_new_values": received,
            "seconds_until_mirrors_hold_them": applied_after,
            "outbox_right_after": outbox,
        },
        "bare_receiver": {**bare_result, "notifications_stored": stored},
        "web_cpu_ratio": rounded(
            bare_result["web_cpu_ms_per_notification"]
            / max(sfns_result["web_cpu_ms_per_notification"], 1e-9)
        ),
    }
    write_result(args.out, "b3_webhook.json", result)
    print(
        f"B3 SFNS {sfns_result['notifications_per_second']:.0f} notifications/s, bare receiver "
        f"{bare_result['notifications_per_second']:.0f}/s: ratio {ratio:.3f}; web CPU per "
        f"notification {sfns_result['web_cpu_ms_per_notification']:.3f} ms vs "
        f"{bare_result['web_cpu_ms_per_notification']:.3f} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
