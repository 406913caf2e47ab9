"""`python -m jobs.worker`: an RQ worker for the sync queue, on the configured Redis, with the scheduler that
runs delayed retries. Run as many as you like."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Worker
from rq.serializers import JSONSerializer

import config
from jobs.enqueue import SYNC_QUEUE


def main() -> None:
    connection = Redis.from_url(config.from_environment()["REDIS_URL"])
    queue = Queue(SYNC_QUEUE, connection=connection, serializer=JSONSerializer)
    worker = Worker([queue], connection=connection, serializer=JSONSerializer)
    worker.work(with_scheduler=True, logging_level="INFO")


if __name__ == "__main__":
    main()
