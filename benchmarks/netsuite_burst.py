"""
A burst of NetSuite customer updates from several worker processes through SFNS's NetSuite
client, against `manage.py emulate netsuite --concurrency-limit 5 --latency-ms 50`.

Shows that the cross-process in-flight cap (Redis) keeps SFNS under NetSuite's concurrency
limit: the emulator's peak-in-flight figure and its 429 count. Run: `make bench`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class BurstResult:
    updates: int
    processes: int
    threads_per_process: int
    limit: int
    seconds: float
    updates_per_second: float
    p50_ms: float
    p95_ms: float
    failures: int
    peak_in_flight: int
    rejected_429: int
    updated_in_netsuite: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(args: tuple[list[str], int]) -> tuple[list[float], int]:
    """One worker process: update its share of customers from a few threads."""
    import django

    django.setup()
    from sync.clients.errors import ClientError
    from sync.clients.netsuite import NetSuiteClient

    ids, threads = args
    client_per_thread: dict[int, NetSuiteClient] = {}

    def update(customer_id: str) -> float | None:
        import threading

        client = client_per_thread.setdefault(threading.get_ident(), NetSuiteClient(attempts=8))
        started = time.perf_counter()
        try:
            client.update("customer", customer_id, {"companyName": f"Burst {customer_id}"})
        except ClientError:
            return None
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(update, ids))
    return [r for r in results if r is not None], sum(r is None for r in results)


def run_burst(
    *,
    updates: int = 1000,
    processes: int = 4,
    threads: int = 4,
    limit: int = 5,
    latency_ms: int = 50,
    redis_url: str = "redis://127.0.0.1:6379/0",
) -> BurstResult:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sfns.settings",
        "NETSUITE_BASE_URL": f"http://127.0.0.1:{port}/services/rest/",
        "NETSUITE_CONCURRENCY_LIMIT": str(limit),
        # An account of its own: its slots are not shared with anything else on this Redis.
        "NETSUITE_ACCOUNT_ID": f"BENCH_{port}",
        "SFNS_REDIS_URL": redis_url,
    }
    emulator = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "emulate",
            "netsuite",
            "--port",
            str(port),
            "--concurrency-limit",
            str(limit),
            "--latency-ms",
            str(latency_ms),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/__emulator__"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/stats", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        ids = [str(1000 + i) for i in range(updates)]
        requests.post(
            f"{base}/seed",
            timeout=30,
            json={"customer": [{"id": i, "companyName": f"Customer {i}"} for i in ids]},
        ).raise_for_status()
        shares = [(ids[n::processes], threads) for n in range(processes)]
        old_env = dict(os.environ)
        os.environ.update(env)  # spawned workers read their settings from the environment
        try:
            started = time.perf_counter()
            with multiprocessing.get_context("spawn").Pool(processes) as pool:
                results = pool.map(_worker, shares)
            seconds = time.perf_counter() - started
        finally:
            os.environ.clear()
            os.environ.update(old_env)
        stats = requests.get(f"{base}/stats", timeout=10).json()
        state = requests.get(f"{base}/state", timeout=30).json()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    durations = sorted(d for ds, _ in results for d in ds)
    customers = state["records"]["customer"]
    return BurstResult(
        updates=updates,
        processes=processes,
        threads_per_process=threads,
        limit=limit,
        seconds=round(seconds, 2),
        updates_per_second=round(updates / seconds, 1),
        p50_ms=round(statistics.median(durations), 1) if durations else 0.0,
        p95_ms=round(durations[int(len(durations) * 0.95) - 1], 1) if durations else 0.0,
        failures=sum(f for _, f in results),
        peak_in_flight=stats["peak_in_flight"],
        rejected_429=stats["rejected_429"],
        updated_in_netsuite=sum(customers[i]["companyName"] == f"Burst {i}" for i in ids),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--redis-url", default=os.environ.get("SFNS_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    result = run_burst(
        updates=args.updates,
        processes=args.processes,
        threads=args.threads,
        limit=args.limit,
        latency_ms=args.latency_ms,
        redis_url=args.redis_url,
    )
    print(json.dumps(asdict(result), indent=2))
    ideal = args.updates * args.latency_ms / 1000 / args.limit
    print(
        f"# {result.updates} updates in {result.seconds}s "
        f"({result.updates_per_second}/s; the cap allows at best {ideal:.1f}s), "
        f"peak in flight {result.peak_in_flight} of {result.limit}, "
        f"429s {result.rejected_429}, failures {result.failures}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
