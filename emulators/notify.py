"""
The callbacks an emulator sends when a record changes (Salesforce outbound messages, NetSuite's
SuiteScript webhook), delivered in order and retried the way the vendors retry them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import requests

logger = logging.getLogger(__name__)


class Notifier:
    """
    Delivers callbacks in a background thread, in order, retrying each with exponential backoff
    until the receiver accepts it or max_age passes (Salesforce: up to 24 hours).
    """

    def __init__(
        self,
        url: str,
        *,
        accepted: Callable[[requests.Response], bool],
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        max_age: float = 24 * 3600,
        verify: bool | str = True,
    ) -> None:
        self.url = url
        self.accepted = accepted
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_age = max_age
        self.verify = verify
        self.delivered = 0
        self.attempts = 0
        self.abandoned = 0
        self.queued = 0
        self._queue: queue.Queue[tuple[bytes, dict]] = queue.Queue()
        self._stop = threading.Event()
        # Cleared by hold(): callbacks wait in the queue until release() (the receiver is up).
        self._open = threading.Event()
        self._open.set()
        self._thread = threading.Thread(target=self._run, name="emulator-notifier", daemon=True)
        self._thread.start()

    def send(self, body: bytes, headers: dict) -> None:
        self.queued += 1
        self._queue.put((body, headers))

    def hold(self) -> None:
        """Keep callbacks queued, unsent, until release(): the receiver is not listening yet."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def pending(self) -> int:
        return self._queue.unfinished_tasks

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                body, headers = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                while not self._open.wait(timeout=0.2):  # held
                    if self._stop.is_set():
                        return
                self._deliver(body, headers)
            finally:
                self._queue.task_done()

    def _deliver(self, body: bytes, headers: dict) -> None:
        started, delay = time.monotonic(), self.first_delay
        while not self._stop.is_set():
            self.attempts += 1
            try:
                response = requests.post(
                    self.url, data=body, headers=headers, timeout=30, verify=self.verify
                )
                if self.accepted(response):
                    self.delivered += 1
                    return
                logger.info("notification to %s refused: HTTP %s", self.url, response.status_code)
            except requests.RequestException as exc:
                logger.info("notification to %s failed: %s", self.url, exc)
            if time.monotonic() - started > self.max_age:
                self.abandoned += 1
                return
            self._stop.wait(delay)
            delay = min(delay * 2, self.max_delay)
