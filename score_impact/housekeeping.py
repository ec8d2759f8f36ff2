"""Scheduled housekeeping: what must happen on time, not only when the server restarts.

Every :data:`INTERVAL` a daemon thread of the app process deletes expired tablet drafts
(their answers are in clear), forgets throttle counts no policy remembers any more, and
fixes the pairs of cohorts whose rounds have all closed, dropping their per-element
pairing hashes (services.retention), deletes stored impact views older than a week
(reports.result_store) and computes the views staff open first once their data has
settled (reports.warm). Each job commits on its own, so one failing (the
database briefly unreachable) does not stop the others or the next run.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from score_impact.reports import result_store, warm
from score_impact.services import drafts, retention, throttle

if TYPE_CHECKING:  # the runtime starts the housekeeping
    from score_impact.runtime import Runtime

INTERVAL = timedelta(minutes=5)
THROTTLE_MEMORY = timedelta(days=2)  # longer than any throttle policy's forget_after
LOG = logging.getLogger("score_impact.housekeeping")


def run_once(runtime: Runtime) -> dict[str, int]:
    """One round of every job; returns what each did (rows affected)."""
    jobs = {
        "expired_drafts": drafts.purge_expired,
        "stale_throttles": lambda s: throttle.purge(s, THROTTLE_MEMORY),
        "element_hashes_dropped": retention.fix_closed_cohorts,
        "old_stored_results": result_store.purge,
        "views_computed_ahead": lambda s: warm.warm(s, runtime.settings),
    }
    done = {}
    for name, job in jobs.items():
        try:
            with runtime.session() as session:
                done[name] = job(session)
        except Exception:  # logged; the next run tries again
            LOG.exception("housekeeping job %s failed", name)
    return done


class Housekeeper(threading.Thread):
    """Runs :func:`run_once` every ``interval`` until :meth:`stop`."""

    def __init__(self, runtime: Runtime, interval: timedelta = INTERVAL):
        super().__init__(name="score-impact-housekeeping", daemon=True)
        self.runtime, self.interval = runtime, interval
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.interval.total_seconds()):
            run_once(self.runtime)

    def stop(self) -> None:
        self._stopped.set()


def start_housekeeping(runtime: Runtime, interval: timedelta = INTERVAL) -> Housekeeper:
    keeper = Housekeeper(runtime, interval)
    keeper.start()
    return keeper
