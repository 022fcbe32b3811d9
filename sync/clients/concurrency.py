"""
A cap on in-flight NetSuite calls shared by every worker process on every machine.

NetSuite's concurrency governance (docs/wire.md) is per account; going over it costs a 429. A
Redis sorted set holds one member per call in flight, scored by Redis's own clock when it was
taken or last renewed: a process renews its members every third of the lease while their calls
last, however long, and those of a worker killed mid-call expire a lease later by themselves. A
release wakes a waiter at once. Without Redis (embedded mode: one process) a thread semaphore
does the same job.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from .errors import RateLimited, Transient

logger = logging.getLogger(__name__)

_ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
  return 1
end
return 0
"""


# A release wakes one waiter, in any process. The list is trimmed to the limit: wake-ups
# nobody waited for must not pile up (a spare one only makes a waiter look once more).
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], 1)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[2], 60)
return 1
"""


# A live process's calls in flight (ARGV[2:]) renewed, only if still there: a released or
# expired one stays gone. The set lives a lease (ARGV[1]) past its last renewal.
_RENEW = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', t, ARGV[i])
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1])) + 1)
end
return 1
"""


class LocalSemaphore:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self, wait: float) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=wait):
            raise RateLimited(f"no NetSuite call slot free within {wait:.0f}s (local cap)")
        try:
            yield
        finally:
            self._semaphore.release()


class RedisSemaphore:
    """
    Waiters take a freed slot at once: a thread waits first for one of its own process's
    slots (a thread semaphore hands it over the moment it is released), then for the shared
    one in Redis, blocking on a list that every release pushes to (BLPOP), not polling.
    """

    def __init__(self, url: str, *, key: str, limit: int, lease: float) -> None:
        self.limit = limit
        self.key = key
        self.freed_key = f"{key}:freed"
        self.lease = lease
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        self._renew = self._redis.register_script(_RENEW)
        self._local = LocalSemaphore(limit)
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        self._renewer: threading.Thread | None = None

    @contextmanager
    def slot(self, wait: float) -> Iterator[None]:
        token = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        with self._local.slot(wait):
            while not self._try_acquire(token):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RateLimited(f"no NetSuite call slot free within {wait:.0f}s")
                # Woken by a release in any process; the timeout covers slots that free
                # themselves (a lease running out after a worker was killed).
                self._wait_for_release(min(left, 0.1 * (0.5 + random.random())))  # noqa: S311
            self._hold(token)
            try:
                yield
            finally:
                with self._held_lock:
                    self._held.discard(token)
                try:
                    self._release(keys=[self.key, self.freed_key], args=[token, self.limit])
                except redis.RedisError as exc:
                    # The call itself is done (perhaps a create): failing it now would invite
                    # a duplicate on retry. The lease frees the slot instead.
                    logger.warning("could not give back a NetSuite call slot: %s", exc)

    def _hold(self, token: str) -> None:
        with self._held_lock:
            self._held.add(token)
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(
                    target=self._renew_forever, name="sfns-netsuite-slots", daemon=True
                )
                self._renewer.start()

    def _renew_forever(self) -> None:
        while True:
            time.sleep(self.lease / 3)
            with self._held_lock:
                tokens = list(self._held)
            if not tokens:
                continue
            try:
                self._renew(keys=[self.key], args=[self.lease, *tokens])
            except redis.RedisError as exc:  # Redis away: its slots are gone with it anyway
                logger.warning("could not renew NetSuite call slots: %s", exc)

    def _wait_for_release(self, seconds: float) -> None:
        try:
            self._redis.blpop([self.freed_key], timeout=max(seconds, 0.01))
        except redis.RedisError as exc:
            raise Transient(f"cannot reach Redis for the NetSuite call cap: {exc}") from exc

    def _try_acquire(self, token: str) -> bool:
        try:
            return bool(self._acquire(keys=[self.key], args=[self.limit, self.lease, token]))
        except redis.RedisError as exc:
            # Redis down is a blip to retry later, like NetSuite being down, not a bad record.
            raise Transient(f"cannot reach Redis for the NetSuite call cap: {exc}") from exc


_semaphores: dict[tuple, LocalSemaphore | RedisSemaphore] = {}
_semaphores_lock = threading.Lock()


def netsuite_semaphore(
    *, redis_url: str, account_id: str, limit: int, lease: float
) -> LocalSemaphore | RedisSemaphore:
    """
    The process-wide semaphore for these settings (one Redis connection pool each). NetSuite
    governs concurrency per account, so the slots are the account's.
    """
    key = (redis_url, account_id, limit, lease)
    with _semaphores_lock:
        if key not in _semaphores:
            _semaphores[key] = (
                RedisSemaphore(
                    redis_url, key=f"sfns:netsuite:{account_id}:inflight", limit=limit, lease=lease
                )
                if redis_url
                else LocalSemaphore(limit)
            )
        return _semaphores[key]
