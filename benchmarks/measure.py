"""
What the end-to-end benchmarks (pipeline.py, webhook.py) share: counting the emulators' API
calls, percentiles, a CPU sampler, sending outbound messages on a schedule, and writing the
results as JSON under bench/results/ with the setup they were measured on.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from .topology import ROOT, Cpu, Topology, procfile

RESULTS = ROOT / "bench" / "results"


def netsuite_calls(stats: dict) -> int:
    """API calls NetSuite served (every answer but the 429s that refused one)."""
    status = stats.get("status", {})
    return sum(status.values()) - status.get("429", 0)


def salesforce_calls(stats: dict) -> int:
    """Salesforce API calls that count against the org's allocation (logging in does not)."""
    return sum(v for k, v in stats.get("calls", {}).items() if k != "oauth_token")


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class CpuSampler:
    """SFNS's CPU seconds every `every` seconds in a thread, to read them at any past moment."""

    def __init__(self, top: Topology, every: float = 0.2) -> None:
        self.top, self.every = top, every
        self.samples: list[tuple[float, Cpu]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuSampler:
        self.samples.append((time.time(), self.top.cpu_seconds()))
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.time(), self.top.cpu_seconds()))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append((time.time(), self.top.cpu_seconds()))

    def at(self, moment: float) -> Cpu:
        """The reading at `moment`, interpolated between the samples around it."""
        before = [s for s in self.samples if s[0] <= moment] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= moment] or self.samples[-1:]
        (t0, c0), (t1, c1) = before[-1], after[0]
        share = 0.0 if t1 == t0 else (moment - t0) / (t1 - t0)
        return Cpu(
            {
                name: c0.by_process.get(name, 0.0)
                + (seconds - c0.by_process.get(name, 0.0)) * share
                for name, seconds in c1.by_process.items()
            }
        )

    @property
    def first(self) -> Cpu:
        return self.samples[0][1]

    @property
    def last(self) -> Cpu:
        return self.samples[-1][1]


def send_concurrently(
    top: Topology, bodies: list[bytes], clients: int, *, url: str = "", seconds: float = 0
) -> list[float]:
    """POST the messages (to SFNS, or to `url`) from `clients` threads, as fast as they are
    answered; the start time (epoch) of each. With `seconds`, no message starts after that
    long: the ones left are not sent (their start time stays 0)."""
    started = [0.0] * len(bodies)
    local = threading.local()
    deadline = time.monotonic() + seconds if seconds else math.inf

    def send(index: int) -> None:
        if time.monotonic() > deadline:
            return
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started[index] = time.time()
        top.post_outbound(bodies[index], session=session, url=url)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, range(len(bodies))))
    return started


def send_on_schedule(
    top: Topology, schedule: list[tuple[float, bytes]], *, threads: int = 8
) -> list[float]:
    """POST each message at its offset (seconds from now) whatever the answers take (an open
    loop, as Salesforce's queue is); the actual start time (epoch) of each."""
    started = [0.0] * len(schedule)
    local = threading.local()
    origin = time.monotonic()
    wall = time.time() - origin

    def send(index: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started[index] = time.monotonic() + wall
        top.post_outbound(schedule[index][1], session=session)

    with ThreadPoolExecutor(threads) as pool:
        futures = []
        for index, (offset, _) in enumerate(schedule):
            pause = origin + offset - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(send, index))
        for future in futures:
            future.result()
    return started


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def git_commit() -> str:
    """The commit measured: SFNS_BENCH_COMMIT when the code runs from an export of it."""
    if os.environ.get("SFNS_BENCH_COMMIT"):
        return os.environ["SFNS_BENCH_COMMIT"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return ""
    return out + ("+uncommitted changes" if dirty else "")


def setup(top: Topology, *, smoke: bool) -> dict[str, Any]:
    """What the figures were measured on, written beside them."""
    return {
        "smoke": smoke,
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git_commit(),
        "cpus": os.cpu_count(),
        # Other work on the machine takes CPU from SFNS: the load when the figures were written.
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        "netsuite_latency_ms": top.latency_ms,
        "netsuite_concurrency_limit": top.concurrency_limit,
        "ceiling_calls_per_second": top.ceiling,
        "procfile": procfile(),
        "database": "PostgreSQL (private cluster)",
        "broker": "Redis (private server)",
    }


def write_result(out_dir: Path, name: str, data: dict[str, Any]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def rounded(value: float, digits: int = 3) -> float:
    return round(float(value), digits)
