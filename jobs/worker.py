"""`python -m jobs.worker`: an RQ worker for the sync queue, on the configured Redis, with the scheduler that
runs delayed retries. Run as many as you like.

It runs at a lower CPU priority than the web (`WORKER_NICE`, jobs/cpu_priority.py): on a machine shared with
the web, pages get the cores first.

Stopping: on SIGTERM or Ctrl-C the worker finishes its job and says goodbye to Redis. When Redis is
already gone (under `make run`, honcho stops every process at once and the embedded Redis is the quickest),
that goodbye cannot be said; the worker and its scheduler then stop with one line instead of a traceback.
Nothing is lost: what the goodbye would tidy in Redis expires by itself, and a run a dead worker left behind
is failed by the cron's sweeper."""

from __future__ import annotations

import os
import sys

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer

import config
from jobs import cpu_priority
from observability import json_logs
from run_queue import SYNC_QUEUE
from run_queue.redis_ready import wait_until_reachable

REDIS_GONE = "Redis stopped before the %s: stopped without tidying up in Redis (nothing is lost)."


class SyncScheduler(RQScheduler):
    """RQ's scheduler process, ending quietly when Redis is gone."""

    def work(self) -> None:
        try:
            super().work()
        except RedisConnectionError:
            # While stopping: the goodbye failed. Otherwise Redis went away: the worker starts a new scheduler
            # once it reaches Redis again.
            self.log.info(REDIS_GONE, "scheduler")


class SyncWorker(Worker):
    """RQ's worker with the scheduler above."""

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        # RQ 3's Worker._start_scheduler, building a SyncScheduler instead of an RQScheduler.
        self.scheduler = SyncScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()


def main() -> int:
    os.environ.setdefault("DATABASE_APPLICATION_NAME", "techoms-worker")  # inherited by every job's app
    settings = config.from_environment()
    cpu_priority.lower(settings["WORKER_NICE"])  # pages first; the jobs it forks inherit it
    # Before RQ sets up its own: with a root handler in place, RQ's lines are JSON too.
    json_logs.configure(settings["LOG_LEVEL"], settings["LOG_FORMAT"])
    connection = Redis.from_url(settings["REDIS_URL"])
    wait_until_reachable(connection)  # RQ registers the worker at once: a Redis still starting would end it
    queue = Queue(SYNC_QUEUE, connection=connection, serializer=JSONSerializer)
    worker = SyncWorker(
        [queue],
        connection=connection,
        serializer=JSONSerializer,
        # A killed worker's scheduler lock expires after a minute; the others look for it this often. An idle
        # worker only does so between two waits on the queue, and a wait lasts worker_ttl - 15 s (RQ's
        # default: 405 s), so the wait is cut to the same interval.
        maintenance_interval=settings["WORKER_MAINTENANCE_SECONDS"],
        worker_ttl=settings["WORKER_MAINTENANCE_SECONDS"] + 15,
    )
    try:
        worker.work(with_scheduler=True, logging_level="INFO")
    except RedisConnectionError:  # raised by the goodbye (teardown) once Redis is gone
        worker.log.info(REDIS_GONE, "worker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
