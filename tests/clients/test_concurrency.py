"""The cap on in-flight NetSuite calls: threads in one process, and processes sharing Redis."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest
import redis

from sync.clients.concurrency import LocalSemaphore, RedisSemaphore, netsuite_semaphore
from sync.clients.errors import RateLimited, Transient

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL}"
)


# -- one process -----------------------------------------------------------------------------
def test_local_semaphore_never_lets_more_than_the_limit_in():
    semaphore = LocalSemaphore(3)
    lock = threading.Lock()
    inside, peak, errors = 0, 0, []
    start = threading.Barrier(10)

    def work() -> None:
        nonlocal inside, peak
        start.wait()
        try:
            for _ in range(3):
                with semaphore.slot(wait=5):
                    with lock:
                        inside += 1
                        peak = max(peak, inside)
                    time.sleep(0.02)
                    with lock:
                        inside -= 1
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert peak == 3  # reached, never passed


def test_local_semaphore_raises_rate_limited_when_no_slot_frees():
    semaphore = LocalSemaphore(1)
    with semaphore.slot(wait=1):
        started = time.monotonic()
        with pytest.raises(RateLimited) as caught, semaphore.slot(wait=0.2):
            pass
        assert 0.15 <= time.monotonic() - started < 1
    assert isinstance(caught.value, Transient)  # callers retry it
    with semaphore.slot(wait=0.1):  # the slot is free again
        pass


def test_local_semaphore_frees_the_slot_when_the_call_fails():
    semaphore = LocalSemaphore(1)
    with pytest.raises(ZeroDivisionError), semaphore.slot(wait=1):
        1 / 0  # noqa: B018
    with semaphore.slot(wait=0.1):
        pass


def test_without_redis_the_process_shares_one_local_semaphore():
    first = netsuite_semaphore(redis_url="", account_id="1234567_SB1", limit=4, lease=10)
    assert isinstance(first, LocalSemaphore)
    assert netsuite_semaphore(redis_url="", account_id="1234567_SB1", limit=4, lease=10) is first


# -- several processes sharing Redis -----------------------------------------------------------
def _hold_slots(key: str, limit: int, rounds: int, start, hold: float) -> None:
    """A worker process: take a slot `rounds` times and count who else is inside with it."""
    semaphore = RedisSemaphore(REDIS_URL, key=key, limit=limit, lease=30)
    counter = redis.Redis.from_url(REDIS_URL)
    start.wait(timeout=30)
    for _ in range(rounds):
        with semaphore.slot(wait=20):
            inside = counter.incr(f"{key}:inside")
            counter.rpush(f"{key}:seen", inside)
            time.sleep(hold)
            counter.decr(f"{key}:inside")


def _take_slot_and_die(key: str, lease: float) -> None:
    """A worker killed in mid-call: it takes a slot and never gives it back."""
    semaphore = RedisSemaphore(REDIS_URL, key=key, limit=1, lease=lease)
    held = semaphore.slot(wait=5)  # keep a reference: collecting it would release the slot
    held.__enter__()
    os._exit(0)


@pytest.fixture
def redis_key():
    key = f"sfns:test:inflight:{uuid.uuid4().hex}"
    yield key
    redis.Redis.from_url(REDIS_URL).delete(key, f"{key}:inside", f"{key}:seen", f"{key}:freed")


@pytest.fixture
def spawn():
    # spawn, not fork: the test process runs emulator and notifier threads
    return multiprocessing.get_context("spawn")


@needs_redis
def test_redis_semaphore_caps_calls_across_processes(redis_key, spawn):
    limit, workers, rounds = 2, 5, 3
    start = spawn.Barrier(workers)
    processes = [
        spawn.Process(target=_hold_slots, args=(redis_key, limit, rounds, start, 0.05))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)

    assert [p.exitcode for p in processes] == [0] * workers
    seen = [int(n) for n in redis.Redis.from_url(REDIS_URL).lrange(f"{redis_key}:seen", 0, -1)]
    assert len(seen) == workers * rounds
    assert max(seen) == limit  # reached, never passed
    assert redis.Redis.from_url(REDIS_URL).zcard(redis_key) == 0  # every slot given back


@needs_redis
def test_redis_semaphore_frees_a_slot_whose_lease_expired(redis_key, spawn):
    lease = 1.5
    dead = spawn.Process(target=_take_slot_and_die, args=(redis_key, lease))
    dead.start()
    dead.join(timeout=30)
    assert dead.exitcode == 0
    client = redis.Redis.from_url(REDIS_URL)
    ((_, taken_at),) = client.zrange(redis_key, 0, -1, withscores=True)
    seconds, micros = client.time()
    expires_in = taken_at + lease - (seconds + micros / 1_000_000)
    assert expires_in > 0.5, "the dead worker's slot should still be leased"
    semaphore = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=lease)

    with pytest.raises(RateLimited), semaphore.slot(wait=0.1):
        pass  # still held by the dead worker
    started = time.monotonic()
    with semaphore.slot(wait=5):
        waited = time.monotonic() - started

    assert expires_in - 0.3 <= waited < expires_in + 1
    assert client.zcard(redis_key) == 0


@needs_redis
def test_a_call_longer_than_the_lease_keeps_its_slot_while_its_process_lives(redis_key):
    # The lease is short so that a killed worker's slots come back in seconds; a live one's
    # slow call (NetSuite may take a minute) is renewed and keeps the cap.
    lease = 0.9
    holder = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=lease)
    waiter = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=lease)

    with holder.slot(wait=1):
        time.sleep(3 * lease)
        with pytest.raises(RateLimited), waiter.slot(wait=0.2):
            pass
    with waiter.slot(wait=1):
        pass


@needs_redis
def test_redis_semaphore_raises_rate_limited_when_no_slot_frees(redis_key):
    holder = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=30)
    waiter = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=30)

    with holder.slot(wait=1):
        started = time.monotonic()
        with pytest.raises(RateLimited) as caught, waiter.slot(wait=0.3):
            pass
        assert 0.25 <= time.monotonic() - started < 2
    assert isinstance(caught.value, Transient)
    with waiter.slot(wait=0.5):  # free again once the holder is done
        pass


@needs_redis
def test_a_release_wakes_a_waiter_of_any_process_through_redis(redis_key):
    # Waiters block on the freed list (BLPOP) rather than poll: each release pushes one
    # wake-up there; those nobody took are trimmed to the limit, so they never pile up.
    client = redis.Redis.from_url(REDIS_URL)
    holder = RedisSemaphore(REDIS_URL, key=redis_key, limit=2, lease=30)
    for _ in range(5):
        with holder.slot(wait=1):
            pass
    assert client.llen(f"{redis_key}:freed") == 2

    waiter = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=30)
    client.delete(f"{redis_key}:freed")
    with holder.slot(wait=1):
        got = threading.Event()

        def wait_for_slot() -> None:
            with waiter.slot(wait=5):
                got.set()

        thread = threading.Thread(target=wait_for_slot)
        thread.start()
        assert not got.wait(0.3)  # the one slot is the holder's
    thread.join(5)
    assert got.is_set()  # handed over across instances, as across processes


@needs_redis
def test_redis_semaphore_frees_the_slot_when_the_call_fails(redis_key):
    semaphore = RedisSemaphore(REDIS_URL, key=redis_key, limit=1, lease=30)
    with pytest.raises(ZeroDivisionError), semaphore.slot(wait=1):
        1 / 0  # noqa: B018
    assert redis.Redis.from_url(REDIS_URL).zcard(redis_key) == 0


@needs_redis
def test_with_redis_the_process_uses_the_netsuite_accounts_shared_semaphore():
    semaphore = netsuite_semaphore(redis_url=REDIS_URL, account_id="123_SB1", limit=3, lease=10)
    assert isinstance(semaphore, RedisSemaphore)
    assert (semaphore.limit, semaphore.key) == (3, "sfns:netsuite:123_SB1:inflight")
    other = netsuite_semaphore(redis_url=REDIS_URL, account_id="456", limit=3, lease=10)
    assert other.key != semaphore.key  # NetSuite's limit is per account


# -- Redis itself failing --------------------------------------------------------------------------
@pytest.fixture
def private_redis():
    """A Redis server of this test's own, so the test can stop it."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 5
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.02)
    yield url, server
    server.kill()
    server.wait()


def test_redis_down_while_taking_a_slot_is_transient(private_redis):
    url, server = private_redis
    semaphore = RedisSemaphore(url, key="sfns:test:inflight", limit=1, lease=30)
    server.kill()
    server.wait()

    # a Redis blip must be retried like any other transient failure, not fail the record
    with pytest.raises(Transient) as caught, semaphore.slot(wait=1):
        pass
    assert "Redis" in str(caught.value)


def test_redis_down_while_giving_a_slot_back_does_not_fail_the_call(private_redis):
    url, server = private_redis
    semaphore = RedisSemaphore(url, key="sfns:test:inflight", limit=1, lease=30)
    done = False

    with semaphore.slot(wait=1):
        server.kill()  # the NetSuite call itself succeeded; the lease will free the slot
        server.wait()
        done = True

    assert done


def test_calls_in_one_slot_take_the_cap_once(netsuite, settings):
    # A push reads the lock and updates, back to back: one slot for both. With a cap of one,
    # a second take inside the first would wait for itself until slot_wait ran out.
    from sync.clients.netsuite import NetSuiteClient

    settings.NETSUITE_CONCURRENCY_LIMIT = 1
    settings.SFNS_REDIS_URL = ""
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme"}])
    client = NetSuiteClient(slot_wait=0.5)

    with client.one_slot():
        assert client.get("customer", "100")["companyName"] == "Acme"
        client.update("customer", "100", {"companyName": "Acme Two"})

    assert netsuite.record("customer", "100")["companyName"] == "Acme Two"
    with client.one_slot(), client.one_slot():  # nested: still the one slot
        client.get("customer", "100")


def test_a_kept_slot_stays_taken_between_calls_until_the_batch_ends(netsuite, settings):
    # A worker thread's batch of pushes keeps its slot from the first call to the end: another
    # caller waits for the whole batch, not for one call. (A cap of one, in this process.)
    from sync.clients.netsuite import NetSuiteClient

    settings.NETSUITE_CONCURRENCY_LIMIT = 1
    settings.SFNS_REDIS_URL = ""
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme"}])
    batch, other = NetSuiteClient(slot_wait=0.5), NetSuiteClient(slot_wait=0.2)
    outcome: list[str] = []

    def call_from_another_thread() -> None:
        try:
            other.get("customer", "100")
            outcome.append("called")
        except RateLimited:
            outcome.append("waited in vain")

    with batch.slot_kept():
        batch.get("customer", "100")  # between this call and the next, the slot stays taken
        caller = threading.Thread(target=call_from_another_thread)
        caller.start()
        caller.join()
        batch.update("customer", "100", {"companyName": "Acme Two"})

    assert outcome == ["waited in vain"]
    assert other.get("customer", "100")["companyName"] == "Acme Two"  # free once it ended
