"""
Claim leases: a worker process renews the claims it holds, from a daemon thread, so that the
sweep tells a dead worker's claims (given back SFNS_CLAIM_LEASE_SECONDS after their last
renewal) from a live one's, however long its job runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .models import JobStatus, SyncJob

logger = logging.getLogger(__name__)

# The claims this process holds (id -> claimed_at, the claim's identity), renewed by a daemon
# thread while there are any: a process that dies stops renewing them, and the sweep gives
# them back SFNS_CLAIM_LEASE_SECONDS later, not after the stale timeout.
_held: dict[int, dt.datetime] = {}
_held_lock = threading.Lock()
_heartbeat: threading.Thread | None = None


def claims_hold(jobs: list[SyncJob]) -> None:
    """Renew these claims while they run (they leave by themselves once finished)."""
    global _heartbeat
    with _held_lock:
        _held.update((job.pk, job.claimed_at) for job in jobs)
        if _heartbeat is None or not _heartbeat.is_alive():
            _heartbeat = threading.Thread(target=_renew_forever, name="sfns-claims", daemon=True)
            _heartbeat.start()


# The renewal on PostgreSQL: one statement whatever the count, the claims passed as two arrays
# (the ORM took tens of milliseconds to build dozens of OR-ed conditions at every heartbeat).
_RENEW_SQL = """
UPDATE {job} SET heartbeat_at = %(now)s
FROM unnest(%(ids)s::bigint[], %(claimed)s::timestamptz[]) AS held(id, claimed_at)
WHERE {job}.id = held.id AND {job}.claimed_at = held.claimed_at AND {job}.status = %(running)s
RETURNING {job}.id
"""


def claims_renew() -> int:
    """
    One heartbeat: the claims this process holds that are still running are alive now; the
    others (finished, given back) are forgotten. Returns how many were renewed.
    """
    with _held_lock:
        held = dict(_held)
    if not held:
        return 0
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _RENEW_SQL.format(job=connection.ops.quote_name(SyncJob._meta.db_table)),
                {
                    "now": now,
                    "ids": list(held),
                    "claimed": list(held.values()),
                    "running": JobStatus.RUNNING,
                },
            )
            still = {row[0] for row in cursor.fetchall()}
    else:
        claims = Q(pk__in=[])
        for pk, claimed_at in held.items():
            claims |= Q(pk=pk, claimed_at=claimed_at)
        running = SyncJob.objects.filter(claims, status=JobStatus.RUNNING)
        running.update(heartbeat_at=now)
        still = set(running.values_list("pk", flat=True))
    with _held_lock:
        for pk in held:
            if pk not in still and _held.get(pk) == held[pk]:
                del _held[pk]
    return len(still)


def _renew_forever() -> None:
    interval = settings.SFNS_CLAIM_LEASE_SECONDS / 5
    while True:
        time.sleep(interval)
        try:
            claims_renew()
        except Exception:  # the database away: the claims wait, and so does the sweep
            logger.warning("could not renew this worker's claims", exc_info=True)
        finally:
            # This thread's connection is kept (CONN_MAX_AGE) unless broken or too old.
            connection.close_if_unusable_or_obsolete()
