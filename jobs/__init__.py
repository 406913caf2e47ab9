"""Background work on RQ: enqueue.py (the queue and enqueueing a run), sync_jobs.py (job entry points),
worker.py and cron.py (the processes)."""
